using Synack.Cli.Common;

namespace Synack.Cli.Serve.Services;

/// <summary>Every service by name.</summary>
internal static class ServiceCatalog
{
    /// <summary>All services, in help order.</summary>
    public static IReadOnlyList<IService> All { get; } =
        [new EchoService(), new DiscardService(), new ChargenService(), new DaytimeService(TimeProvider.System), new LinesService(), new LengthService()];

    /// <summary>The service called <paramref name="name"/>, or a usage error listing the known ones.</summary>
    public static IService Find(string name) =>
        All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UsageException($"unknown service '{name}': choose one of {string.Join(", ", All.Select(s => s.Name))}");
}
