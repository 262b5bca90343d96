using System.Net;

namespace Synack.Server;

/// <summary>
/// A listen endpoint that is a socket this process was handed rather than one it binds: <c>systemd:</c> (every socket
/// systemd passed, see <see cref="SystemdSockets"/>), <c>systemd:NAME</c> (those with <c>FileDescriptorName=NAME</c>) or
/// <c>fd:N</c> (descriptor N, from any parent). The server listens on the socket as it is (its address, backlog and
/// options were set by whoever made it) on either transport; <see cref="SynackServer.LocalEndPoints"/> shows its real address.
/// </summary>
public sealed class InheritedEndPoint : EndPoint
{
    private InheritedEndPoint(int? descriptor, string? name)
    {
        Descriptor = descriptor;
        Name = name;
    }

    /// <summary>The descriptor of <c>fd:N</c>; null for the systemd forms.</summary>
    public int? Descriptor { get; }

    /// <summary>The socket name of <c>systemd:NAME</c>; null for <c>systemd:</c> (all) and <c>fd:N</c>.</summary>
    public string? Name { get; }

    /// <summary>The sockets systemd passed: all of them, or those named <paramref name="name"/>.</summary>
    public static InheritedEndPoint Systemd(string? name = null) => new(null, string.IsNullOrEmpty(name) ? null : name);

    /// <summary>Descriptor <paramref name="descriptor"/>, a listening socket inherited from the parent process.</summary>
    public static InheritedEndPoint FromDescriptor(int descriptor) =>
        descriptor >= SystemdSockets.FirstDescriptor ? new(descriptor, null)
        : throw new ArgumentOutOfRangeException(nameof(descriptor), descriptor, "descriptors 0 to 2 are standard input, output and error; an inherited socket is 3 or more");

    /// <inheritdoc/>
    public override string ToString() => Descriptor is { } fd ? $"{ListenAddress.DescriptorPrefix}{fd}" : ListenAddress.SystemdPrefix + Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is InheritedEndPoint other && other.Descriptor == Descriptor && other.Name == Name;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Descriptor, Name);
}
