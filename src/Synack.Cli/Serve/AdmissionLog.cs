using Synack.Server;

namespace Synack.Cli.Serve;

/// <summary>
/// Makes admission visible in <c>serve</c>'s log (issue 14, problem 3: "the 10,001st client gets a FIN, and nothing is
/// logged"): connections turned away by <c>--max-connections</c>, at most one line a second with the count since the last
/// line, and pauses in accepting for lack of descriptors as they start and end.
/// </summary>
internal sealed class AdmissionLog : IDisposable
{
    /// <summary>One line a second at most, however fast clients are turned away (a flood must not flood the log too).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private readonly SynackServer _server;
    private readonly ServeLog _log;
    private readonly ITimer _timer;
    private readonly int _limit;
    private long _reported;

    public AdmissionLog(SynackServer server, int limit, ServeLog log, TimeProvider time)
    {
        _server = server;
        _limit = limit;
        _log = log;
        _server.AcceptPaused += OnPaused;
        _server.AcceptResumed += OnResumed;
        _timer = time.CreateTimer(static s => ((AdmissionLog)s!).ReportRejections(), this, Period, Period);
    }

    /// <summary>Logs the rejections since the last line, if any.</summary>
    public void ReportRejections()
    {
        long total = _server.RejectedConnections;
        long fresh = total - Interlocked.Exchange(ref _reported, total);
        if (fresh > 0)
        {
            _log.Info($"rejected {fresh} connection(s) at the limit of {_limit} ({total} in all)");
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _server.AcceptPaused -= OnPaused;
        _server.AcceptResumed -= OnResumed;
        ReportRejections(); // the last second's count is not lost at stop
    }

    private void OnPaused(AcceptPause pause) =>
        _log.Info($"accepting paused ({pause.Reason}): at least {pause.DescriptorsInUse} of {pause.DescriptorLimit} descriptors in use; new clients wait in the backlog");

    private void OnResumed(AcceptPause pause) =>
        _log.Info($"accepting again after {pause.Duration.TotalSeconds:0.###} s");
}
