namespace PSContainer.Commands.Progress;

/// <summary>
/// Runs engine work on the thread pool while the cmdlet's pipeline thread does all the writing:
/// engine callbacks <see cref="Post"/> actions, and <see cref="Run{T}"/> executes them on the pipeline
/// thread until the work completes (PSResourceGet's pattern). Write* is never called from another thread.
/// </summary>
/// <remarks>
/// A queue under a lock, with Monitor.Wait/Pulse, rather than a BlockingCollection: a BlockingCollection wakes its
/// waiting consumer at CompleteAdding by cancelling the wait, an OperationCanceledException thrown and caught on the
/// pipeline thread; measured in Start-Container's create step, the pipeline thread went on ~3.5 ms after the work
/// had completed, on every cmdlet call.
/// </remarks>
internal sealed class PipelinePump
{
    private readonly Queue<Action> _actions = new();
    private readonly int _capacity;
    private bool _completed;

    /// <summary>An unbounded pump: posting never waits (progress events, which are few).</summary>
    public PipelinePump()
        : this(int.MaxValue)
    {
    }

    /// <summary>
    /// A pump that holds at most <paramref name="capacity"/> actions: a producer faster than the pipeline (a
    /// container's output, a log) waits in <see cref="Post"/> instead of piling everything up in memory.
    /// </summary>
    public PipelinePump(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>
    /// Queues an action for the pipeline thread. Safe from any thread; waits while a bounded pump is full. Once the
    /// pump has finished, actions are dropped (late progress events, output after the pipeline stopped).
    /// </summary>
    public void Post(Action action)
    {
        lock (_actions)
        {
            while (!_completed && _actions.Count >= _capacity)
            {
                Monitor.Wait(_actions);
            }

            if (_completed)
            {
                return;
            }

            _actions.Enqueue(action);
            Monitor.PulseAll(_actions);
        }
    }

    /// <summary>Starts <paramref name="work"/> and pumps posted actions until it finishes; returns its result or rethrows its failure.</summary>
    public T Run<T>(Func<Task<T>> work)
    {
        var task = Task.Run(work);
        // Inline on the thread that completes the work: waking the pipeline thread needs no hop through the pool.
        task.ContinueWith(_ => Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            while (TryTake() is { } action)
            {
                action();
            }
        }
        finally
        {
            // An action may throw (the pipeline downstream stopped: Select-Object -First). Nothing will be consumed
            // any more: a producer waiting on a full bounded pump must wake up and drop, not wait forever.
            Complete();
        }
        return task.GetAwaiter().GetResult();
    }

    public void Run(Func<Task> work) => Run(async () =>
    {
        await work().ConfigureAwait(false);
        return true;
    });

    /// <summary>The next action, waiting for one; null once the work has finished and everything posted has run.</summary>
    private Action? TryTake()
    {
        lock (_actions)
        {
            while (_actions.Count == 0 && !_completed)
            {
                Monitor.Wait(_actions);
            }

            if (_actions.Count == 0)
            {
                return null;
            }

            Action action = _actions.Dequeue();
            Monitor.PulseAll(_actions); // room for a producer waiting on a full pump
            return action;
        }
    }

    private void Complete()
    {
        lock (_actions)
        {
            _completed = true;
            Monitor.PulseAll(_actions);
        }
    }
}
