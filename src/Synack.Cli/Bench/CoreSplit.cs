namespace Synack.Cli.Bench;

/// <summary>
/// Which CPUs the embedded server's loops and the load generator's loops run on. With an embedded server the allowed CPUs
/// are split (the server takes the first half, at least one), so client and server never share a core by accident and
/// the run measures the server rather than their fight (issue 13); the client gets one loop per remaining core unless
/// <c>--threads</c> says otherwise. Against a remote server the client may use every allowed CPU, unpinned.
/// </summary>
internal sealed record CoreSplit(IReadOnlyList<int> ServerCpus, IReadOnlyList<int> ClientCpus, int ClientThreads)
{
    /// <summary>Splits <paramref name="allowed"/> for a run with or without an embedded server.</summary>
    public static CoreSplit For(IReadOnlyList<int> allowed, bool embeddedServer, int? threads)
    {
        if (!embeddedServer || allowed.Count < 2)
        {
            // Nothing to keep apart (or nowhere to put it): the kernel places the loops.
            return new CoreSplit([], [], threads ?? Math.Max(1, allowed.Count));
        }

        int serverCount = allowed.Count / 2;
        IReadOnlyList<int> client = allowed.Skip(serverCount).ToArray();
        return new CoreSplit(allowed.Take(serverCount).ToArray(), client, threads ?? client.Count);
    }

    /// <summary>
    /// The CPUs this process may run on (Linux: <c>Cpus_allowed_list</c> in /proc/self/status, such as <c>0-3,6</c>,
    /// which honours taskset and cgroup cpusets); elsewhere 0 .. ProcessorCount-1.
    /// </summary>
    public static IReadOnlyList<int> Allowed()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
            if (line is not null)
            {
                return Parse(line["Cpus_allowed_list:".Length..]);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Enumerable.Range(0, Environment.ProcessorCount).ToArray();
    }

    /// <summary>Parses a Linux CPU list (<c>0-3,6,8-9</c>).</summary>
    public static IReadOnlyList<int> Parse(string list)
    {
        var cpus = new List<int>();
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] range = part.Split('-');
            int first = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
            int last = range.Length > 1 ? int.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture) : first;
            for (int cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;
    }
}
