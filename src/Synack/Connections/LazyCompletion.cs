namespace Synack.Connections;

/// <summary>
/// A one-shot result whose <see cref="TaskCompletionSource{T}"/> is created only when someone asks for its task before
/// the result is set: an idle connection nobody awaits should not carry one. One field: null (unset, nobody waiting),
/// the source handed out (unset), or the completed task (set). Each change is a single atomic swap of that field, so
/// <see cref="TrySetResult"/> and <see cref="Task"/> may race from any threads and every task handed out completes.
/// Continuations run asynchronously, as with <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/>.
/// </summary>
internal struct LazyCompletion<T>
{
    private object? _state;

    /// <summary>True once the result is set.</summary>
    public bool IsSet => Volatile.Read(ref _state) is Task<T>;

    /// <summary>The task: completed once the result is set; otherwise one that completes when it is.</summary>
    public Task<T> Task
    {
        get
        {
            while (true)
            {
                switch (Volatile.Read(ref _state))
                {
                    case Task<T> done:
                        return done;
                    case TaskCompletionSource<T> waiting:
                        return waiting.Task;
                    default:
                        var created = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                        if (Interlocked.CompareExchange(ref _state, created, null) is null)
                        {
                            return created.Task;
                        }

                        break; // set or handed out meanwhile: look again
                }
            }
        }
    }

    /// <summary>
    /// Sets the result if none was set; returns true if this call set it. A task already handed out stays the task:
    /// its source is completed and its task published, so <see cref="Task"/> returns the same instance before and after.
    /// </summary>
    public bool TrySetResult(T value)
    {
        while (true)
        {
            object? state = Volatile.Read(ref _state);
            if (state is Task<T>)
            {
                return false;
            }

            Task<T> done = state is TaskCompletionSource<T> waiting ? waiting.Task : System.Threading.Tasks.Task.FromResult(value);
            if (Interlocked.CompareExchange(ref _state, done, state) == state)
            {
                (state as TaskCompletionSource<T>)?.TrySetResult(value);
                return true;
            }
        }
    }
}
