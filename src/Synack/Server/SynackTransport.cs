namespace Synack.Server;

/// <summary>How a server's connections do their I/O. Both pass the same test suite; they differ in speed and threading.</summary>
public enum SynackTransport
{
    /// <summary>
    /// The default: <see cref="Epoll"/> for a server or client whose handler is an <see cref="IInlineHandler"/> (it promises
    /// not to block, so running it on the loop threads is safe) on Linux x86-64 or ARM64, with or without TLS, PROXY or a
    /// heartbeat; <see cref="Sockets"/> for everything else, so an async handler that blocks never stalls other
    /// connections unless the application chose <see cref="Epoll"/>. <see cref="SynackServer.Transport"/> says which.
    /// </summary>
    Auto,

    /// <summary>
    /// The runtime's socket engine (System.Net.Sockets): completions and handlers run on the thread pool, so a handler
    /// that blocks holds up only itself.
    /// </summary>
    Sockets,

    /// <summary>
    /// Linux epoll driven directly: one event loop thread per core, sockets registered once (edge-triggered), recv/send as
    /// direct syscalls, and the handler runs inline on its loop thread up to its next await, with no thread-pool hop (as
    /// kestrel-linux-transport did). Several times less CPU per message (docs/benchmarks.md), but a handler that blocks or
    /// computes for long stalls every connection on its loop: offload such work with <c>Task.Run</c>. Linux on x86-64 or
    /// ARM64 only (elsewhere <see cref="Sockets"/> is used). TLS (SslStream over the loop's stream), PROXY headers and
    /// heartbeats run on it too; an inline handler behind TLS or PROXY runs over the connection's pipes on the loop.
    /// </summary>
    Epoll,
}
