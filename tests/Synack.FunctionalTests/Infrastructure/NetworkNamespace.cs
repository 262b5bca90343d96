using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace Synack.FunctionalTests.Infrastructure;

/// <summary>
/// A Linux network namespace of our own, joined to the test's namespace by a veth pair (host side .1, namespace side
/// .2 of a /30), so a test can drop packets on a real link without touching loopback or any other traffic.
/// Needs root (CI runs as root); <see cref="TryCreate"/> returns null elsewhere.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name, string insideDevice, IPAddress host, IPAddress inside)
    {
        Name = name;
        InsideDevice = insideDevice;
        HostAddress = host;
        InsideAddress = inside;
    }

    public string Name { get; }

    public string InsideDevice { get; }

    public IPAddress HostAddress { get; }

    public IPAddress InsideAddress { get; }

    /// <summary>Creates the namespace and link, or returns null when this is not Linux as root with iproute2.</summary>
    public static NetworkNamespace? TryCreate()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return null;
        }

        int id = Environment.ProcessId % 50_000 + Random.Shared.Next(10_000);
        string name = $"synack-{id}";
        string host = $"skh{id}", inside = $"skn{id}";
        int subnet = id % 250;
        var hostAddress = IPAddress.Parse($"10.213.{subnet}.1");
        var insideAddress = IPAddress.Parse($"10.213.{subnet}.2");
        var created = new NetworkNamespace(name, inside, hostAddress, insideAddress);
        try
        {
            Ip($"netns add {name}");
            Ip($"link add {host} type veth peer name {inside}");
            Ip($"link set {inside} netns {name}");
            Ip($"addr add {hostAddress}/30 dev {host}");
            Ip($"link set {host} up");
            Ip($"netns exec {name} ip addr add {insideAddress}/30 dev {inside}");
            Ip($"netns exec {name} ip link set {inside} up");
            Ip($"netns exec {name} ip link set lo up");
            return created;
        }
        catch (Exception) when (!Directory.Exists($"/var/run/netns/{name}"))
        {
            return null; // no permission to create namespaces here
        }
    }

    /// <summary>Runs <paramref name="create"/> on a thread that has entered the namespace: sockets it creates live there.</summary>
    public T Inside<T>(Func<T> create)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle($"/var/run/netns/{Name}");
                if (setns((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = create();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join(); // the thread ends in the namespace and dies with it; the sockets stay where they were created
        return failure is null ? result : throw new InvalidOperationException("running inside the namespace failed", failure);
    }

    /// <summary>
    /// Black-holes the peer inside: a blackhole route in the namespace swallows everything it sends back to the host
    /// (ACKs, data, FIN, RST), while the host's packets still leave normally, as with a dead host or a dropping firewall.
    /// (No netem or netfilter needed.)
    /// </summary>
    public void BlackHole() => Ip($"netns exec {Name} ip route add blackhole {HostAddress}/32");

    public void Dispose()
    {
        try
        {
            Ip($"netns del {Name}"); // takes the veth pair with it
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void Ip(string arguments)
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string error = ip.StandardError.ReadToEnd();
        ip.WaitForExit();
        if (ip.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments}: {error.Trim()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);
}
