using System.Net;
using System.Net.Sockets;
using Synack.Errors;

namespace Synack.Client;

/// <summary>
/// RFC 8305 connection racing: addresses are interleaved by family, one attempt starts every
/// <see cref="ConnectOptions.AttemptDelay"/> (or at once when the previous attempt failed), the first to connect wins and
/// the others are cancelled and closed.
/// </summary>
internal static class HappyEyeballs
{
    /// <summary>Orders addresses as RFC 8305 §4 says: keep the resolver's order, alternate families starting with the first one's.</summary>
    public static IReadOnlyList<IPAddress> Interleave(IEnumerable<IPAddress> addresses)
    {
        var distinct = addresses.Distinct().ToList();
        if (distinct.Count == 0)
        {
            return distinct;
        }

        AddressFamily first = distinct[0].AddressFamily;
        var preferred = new Queue<IPAddress>(distinct.Where(a => a.AddressFamily == first));
        var other = new Queue<IPAddress>(distinct.Where(a => a.AddressFamily != first));
        var ordered = new List<IPAddress>(distinct.Count);
        while (preferred.Count > 0 || other.Count > 0)
        {
            if (preferred.TryDequeue(out IPAddress? p))
            {
                ordered.Add(p);
            }

            if (other.TryDequeue(out IPAddress? o))
            {
                ordered.Add(o);
            }
        }

        return ordered;
    }

    /// <summary>Races connects to <paramref name="endPoints"/>; returns the first connected socket.</summary>
    /// <exception cref="SynackException">Every attempt failed: the first attempt's error, noting how many addresses were tried.</exception>
    public static async Task<Socket> RaceAsync(
        IReadOnlyList<IPEndPoint> endPoints,
        TimeSpan attemptDelay,
        TimeProvider time,
        Func<IPEndPoint, CancellationToken, Task<Socket>> connect,
        CancellationToken cancellationToken)
    {
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task<Socket>>();
        var errors = new List<Exception>();
        int next = 0;
        Task startNext = Task.CompletedTask;
        try
        {
            while (true)
            {
                if (next < endPoints.Count && startNext.IsCompleted)
                {
                    running.Add(connect(endPoints[next++], race.Token));
                    startNext = next < endPoints.Count ? Task.Delay(attemptDelay, time, race.Token) : Task.Delay(Timeout.Infinite, race.Token);
                }

                if (running.Count == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw AllFailed(errors, endPoints.Count);
                }

                Task finished = await Task.WhenAny(running.Append(startNext)).ConfigureAwait(false);
                if (finished is not Task<Socket> attempt)
                {
                    continue;
                }

                running.Remove(attempt);
                if (attempt.IsCompletedSuccessfully)
                {
                    return attempt.Result;
                }

                errors.Add(attempt.Exception?.InnerException ?? new OperationCanceledException());
                if (next < endPoints.Count)
                {
                    startNext = Task.CompletedTask; // a failure starts the next attempt at once (RFC 8305 §5)
                }
            }
        }
        finally
        {
            race.Cancel();
            foreach (Task<Socket> loser in running)
            {
                _ = loser.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }
        }
    }

    private static Exception AllFailed(List<Exception> errors, int attempted)
    {
        Exception first = errors.FirstOrDefault(e => e is SynackException) ?? errors[0];
        if (attempted <= 1 || first is not SynackException synack)
        {
            return first;
        }

        return new SynackException(synack.Kind, synack.Operation, $"{synack.Detail} (all {attempted} addresses failed)",
            synack.LocalEndPoint, synack.RemoteEndPoint, synack.SocketError, new AggregateException(errors));
    }
}
