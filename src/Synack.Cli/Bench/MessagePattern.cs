using Synack.Cli.Common;

namespace Synack.Cli.Bench;

/// <summary>
/// The payload of message <c>seq</c> on connection <c>id</c>: a function of both, so a reply that is corrupted,
/// reordered, duplicated or delivered to the wrong connection fails verification. Line framing uses letters only, so
/// no payload contains a line break.
/// </summary>
internal static class MessagePattern
{
    /// <summary>Writes message <paramref name="seq"/> of connection <paramref name="id"/> into <paramref name="payload"/>.</summary>
    public static void Fill(Span<byte> payload, int id, long seq, FramingMode framing)
    {
        uint state = unchecked((uint)(seq * 2654435761L) ^ (uint)(id * 40503));
        for (int i = 0; i < payload.Length; i++)
        {
            state = unchecked(state * 1664525 + 1013904223);
            byte value = (byte)(state >> 24);
            payload[i] = framing == FramingMode.Line ? (byte)('a' + value % 26) : value;
        }
    }
}
