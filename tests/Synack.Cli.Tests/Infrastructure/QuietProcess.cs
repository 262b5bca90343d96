namespace Synack.Cli.Tests.Infrastructure;

/// <summary>
/// Tests that hold a rate for seconds run after the parallel ones, alone: a bench at full speed in a neighbouring test
/// class took the open-loop client's cores and it fell to 872 of 1000/s (CI=true .ci/run, epoll pass, 2026-12-02).
/// </summary>
[CollectionDefinition(nameof(QuietProcess), DisableParallelization = true)]
public sealed class QuietProcess;
