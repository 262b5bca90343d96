using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Synack.Hosting;

/// <summary>Health checks for hosted Synack servers.</summary>
public static class SynackHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds the readiness check of server <paramref name="serverName"/> (see <see cref="SynackServerHealthCheck"/>), named
    /// <c>synack:{serverName}</c> and tagged <c>ready</c> unless <paramref name="tags"/> says otherwise:
    /// <code>
    /// builder.Services.AddTcpServer&lt;Upper&gt;("Upper");
    /// builder.Services.AddHealthChecks().AddSynackReadiness("Upper");
    /// </code>
    /// </summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="serverName">The server's name, as given to <c>AddTcpServer</c> or <c>AddInlineTcpServer</c>.</param>
    /// <param name="failureStatus">What a server that is not ready reports: <see cref="HealthStatus.Unhealthy"/> by default.</param>
    /// <param name="tags">The check's tags; <c>ready</c> by default.</param>
    public static IHealthChecksBuilder AddSynackReadiness(this IHealthChecksBuilder builder, string serverName,
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serverName);
        return builder.Add(new HealthCheckRegistration(
            $"synack:{serverName}",
            provider => new SynackServerHealthCheck(provider.GetRequiredKeyedService<SynackServerService>(serverName), provider.GetService<IHostApplicationLifetime>()),
            failureStatus,
            tags ?? ["ready"]));
    }
}
