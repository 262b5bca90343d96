using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Synack.Transport.Pipes;

/// <summary>
/// Sends a buffer through a socket's <see cref="ISender"/> until all of it is sent: one send() per segment, or one
/// sendmsg() (gather I/O) for a multi-segment buffer. A send that does not complete at once counts as blocked. Shared by
/// the sockets and epoll byte streams.
/// </summary>
internal static class SendLoop
{
    public static ValueTask SendAsync(ISender sender, Socket socket, ReadOnlySequence<byte> buffer, ConnectionEngine engine) =>
        buffer.IsSingleSegment ? SendAllAsync(sender, socket, buffer.First, engine) : SendGatheredAsync(sender, socket, buffer, engine);

    private static async ValueTask SendAllAsync(ISender sender, Socket socket, ReadOnlyMemory<byte> data, ConnectionEngine engine)
    {
        while (!data.IsEmpty)
        {
            ValueTask<int> sending = sender.SendAsync(socket, data);
            if (!sending.IsCompleted)
            {
                engine.OnSendBlocked();
            }

            int sent = await sending.ConfigureAwait(false);
            engine.OnSent(sent);
            data = data[sent..];
        }
    }

    /// <summary>Sends a multi-segment buffer with one sendmsg() (gather I/O) instead of one send() per segment.</summary>
    private static async ValueTask SendGatheredAsync(ISender sender, Socket socket, ReadOnlySequence<byte> buffer, ConnectionEngine engine)
    {
        List<ArraySegment<byte>> gather = sender.GatherList;
        gather.Clear();
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            if (!MemoryMarshal.TryGetArray(segment, out ArraySegment<byte> array))
            {
                gather.Clear();
                foreach (ReadOnlyMemory<byte> each in buffer)
                {
                    await SendAllAsync(sender, socket, each, engine).ConfigureAwait(false);
                }

                return;
            }

            gather.Add(array);
        }

        long total = buffer.Length;
        ValueTask<int> sending = sender.SendAsync(socket, gather);
        if (!sending.IsCompleted)
        {
            engine.OnSendBlocked();
        }

        int sent = await sending.ConfigureAwait(false);
        engine.OnSent(sent);
        if (sent < total)
        {
            // A stream socket sends everything unless interrupted; finish any remainder segment by segment.
            foreach (ReadOnlyMemory<byte> rest in buffer.Slice(sent))
            {
                await SendAllAsync(sender, socket, rest, engine).ConfigureAwait(false);
            }
        }
    }
}
