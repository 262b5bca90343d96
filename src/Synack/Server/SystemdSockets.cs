using System.Globalization;

namespace Synack.Server;

/// <summary>One listening socket handed to this process by systemd: its descriptor and its name (<c>FileDescriptorName=</c>).</summary>
/// <param name="Descriptor">The file descriptor, 3 and up.</param>
/// <param name="Name">The name from <c>LISTEN_FDNAMES</c>, or <c>unknown</c> when systemd gave none (as sd_listen_fds_with_names says).</param>
public readonly record struct InheritedSocket(int Descriptor, string Name);

/// <summary>
/// systemd socket activation (sd_listen_fds(3)): the listening sockets a service manager opened for this process and
/// passed as descriptors 3, 4, ... with <c>LISTEN_FDS</c> (how many), <c>LISTEN_PID</c> (whom they are for) and optionally
/// <c>LISTEN_FDNAMES</c> (colon-separated names). Listen on them with <c>systemd:</c> or <c>systemd:NAME</c> (see
/// <see cref="ListenAddress"/>); the sockets outlive a restart of the service, so clients that connect meanwhile wait in
/// the kernel's backlog instead of being refused.
/// </summary>
/// <remarks>
/// The variables are read once per process and then removed from the environment (sd_listen_fds with
/// <c>unset_environment</c>), so a child process does not take the sockets for its own; descriptors not taken stay open.
/// </remarks>
public static class SystemdSockets
{
    /// <summary>SD_LISTEN_FDS_START: the first descriptor systemd passes.</summary>
    public const int FirstDescriptor = 3;

    private const string ListenPid = "LISTEN_PID", ListenFds = "LISTEN_FDS", ListenFdNames = "LISTEN_FDNAMES";
    private static readonly Lazy<IReadOnlyList<InheritedSocket>> s_passed = new(TakeFromEnvironment);
    private static readonly HashSet<int> s_taken = new();

    /// <summary>The sockets systemd passed to this process (read from the environment on first use, which then unsets the variables).</summary>
    public static IReadOnlyList<InheritedSocket> Passed => s_passed.Value;

    /// <summary>
    /// What the variables say, as sd_listen_fds_with_names reads them: nothing when <c>LISTEN_PID</c> or <c>LISTEN_FDS</c>
    /// is unset or the pid is another process's (the variables were meant for a parent); otherwise descriptors
    /// <see cref="FirstDescriptor"/> and up, named by <c>LISTEN_FDNAMES</c> or <c>unknown</c>.
    /// </summary>
    /// <exception cref="FormatException">A variable is malformed, or <c>LISTEN_FDNAMES</c> names more or fewer sockets than <c>LISTEN_FDS</c> counts.</exception>
    public static IReadOnlyList<InheritedSocket> Parse(string? listenPid, string? listenFds, string? listenFdNames, int processId)
    {
        if (string.IsNullOrEmpty(listenPid) || string.IsNullOrEmpty(listenFds))
        {
            return [];
        }

        if (!int.TryParse(listenPid, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 0)
        {
            throw new FormatException($"{ListenPid}='{listenPid}' is not a process id");
        }

        if (pid != processId)
        {
            return [];
        }

        if (!int.TryParse(listenFds, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count > int.MaxValue - FirstDescriptor)
        {
            throw new FormatException($"{ListenFds}='{listenFds}' is not a count of descriptors");
        }

        string[] names = string.IsNullOrEmpty(listenFdNames) ? Enumerable.Repeat("unknown", count).ToArray() : listenFdNames.Split(':');
        if (names.Length != count)
        {
            throw new FormatException($"{ListenFdNames} names {names.Length} socket(s) but {ListenFds} is {count}");
        }

        return Enumerable.Range(0, count).Select(i => new InheritedSocket(FirstDescriptor + i, names[i])).ToArray();
    }

    /// <summary>
    /// Takes the passed sockets named <paramref name="name"/> (all of them when null) for one listener: each descriptor
    /// once per process, since two listeners on one descriptor would both own it (and the first closes it when it stops).
    /// </summary>
    internal static IReadOnlyList<InheritedSocket> Take(string? name)
    {
        InheritedSocket[] wanted = Passed.Where(s => name is null || s.Name == name).ToArray();
        if (wanted.Length == 0)
        {
            throw new InvalidOperationException(Passed.Count == 0
                ? "systemd passed no sockets to this process (LISTEN_FDS/LISTEN_PID are not set for it): start it through its .socket unit, or listen on an address"
                : $"systemd passed no socket named '{name}' (FileDescriptorName=); it passed {string.Join(", ", Passed.Select(s => s.Name))}");
        }

        lock (s_taken)
        {
            if (wanted.FirstOrDefault(s => s_taken.Contains(s.Descriptor)) is { Descriptor: > 0 } taken)
            {
                throw new InvalidOperationException($"systemd's socket {taken.Descriptor} ({taken.Name}) is already listened on by this process");
            }

            s_taken.UnionWith(wanted.Select(s => s.Descriptor));
        }

        return wanted;
    }

    private static IReadOnlyList<InheritedSocket> TakeFromEnvironment()
    {
        try
        {
            return Parse(Environment.GetEnvironmentVariable(ListenPid), Environment.GetEnvironmentVariable(ListenFds),
                Environment.GetEnvironmentVariable(ListenFdNames), Environment.ProcessId);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ListenPid, null);
            Environment.SetEnvironmentVariable(ListenFds, null);
            Environment.SetEnvironmentVariable(ListenFdNames, null);
        }
    }
}
