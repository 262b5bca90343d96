using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Synack.Hosting;

/// <summary>
/// Readiness of one hosted server (issue 15): healthy while it listens; unhealthy (or the registration's failure status)
/// before it starts, and from the moment the host begins to stop or the server begins to drain, so that a load balancer
/// or Kubernetes stops sending new connections before the open ones are closed. The data carries the active connection
/// count and the endpoints. Register it with <see cref="SynackHealthChecksBuilderExtensions.AddSynackReadiness"/>.
/// </summary>
public sealed class SynackServerHealthCheck(SynackServerService service, IHostApplicationLifetime? lifetime = null) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        HealthStatus failure = context.Registration.FailureStatus;
        if (service.Server is not { } server)
        {
            return Task.FromResult(new HealthCheckResult(failure, $"server '{service.Name}' is not started"));
        }

        var data = new Dictionary<string, object>
        {
            ["active_connections"] = server.ActiveConnections,
            ["endpoints"] = string.Join(", ", server.LocalEndPoints.Select(Synack.Server.ListenAddress.Format)),
        };
        string? ending = server.IsDraining ? "draining"
            : lifetime?.ApplicationStopping.IsCancellationRequested == true ? "the host is stopping"
            : null;
        return Task.FromResult(ending is null
            ? new HealthCheckResult(HealthStatus.Healthy, $"server '{service.Name}' is listening", data: data)
            : new HealthCheckResult(failure, $"server '{service.Name}': {ending}; new connections should go elsewhere", data: data));
    }
}
