using System.Collections.Concurrent;
using System.Management.Automation;

namespace PSContainer.Commands.Progress;

/// <summary>
/// Runs engine work on the thread pool while the cmdlet's pipeline thread does all the writing:
/// engine callbacks <see cref="Post"/> actions, and <see cref="Run{T}"/> executes them on the pipeline
/// thread until the work completes (PSResourceGet's pattern). Write* is never called from another thread.
/// </summary>
internal sealed class PipelinePump
{
    private readonly BlockingCollection<Action> _actions;

    /// <summary>An unbounded pump: posting never waits (progress events, which are few).</summary>
    public PipelinePump()
    {
        _actions = new BlockingCollection<Action>();
    }

    /// <summary>
    /// A pump that holds at most <paramref name="capacity"/> actions: a producer faster than the pipeline (a
    /// container's output, a log) waits in <see cref="Post"/> instead of piling everything up in memory.
    /// </summary>
    public PipelinePump(int capacity)
    {
        _actions = new BlockingCollection<Action>(capacity);
    }

    /// <summary>Queues an action for the pipeline thread. Safe from any thread; waits while a bounded pump is full.</summary>
    public void Post(Action action)
    {
        try
        {
            _actions.Add(action);
        }
        catch (InvalidOperationException)
        {
            // The pump has finished; late events (progress after completion) are dropped.
        }
    }

    /// <summary>Starts <paramref name="work"/> and pumps posted actions until it finishes; returns its result or rethrows its failure.</summary>
    public T Run<T>(Func<Task<T>> work)
    {
        var task = Task.Run(work);
        task.ContinueWith(_ => _actions.CompleteAdding(), TaskScheduler.Default);
        try
        {
            foreach (var action in _actions.GetConsumingEnumerable())
            {
                action();
            }
        }
        finally
        {
            // An action may throw (the pipeline downstream stopped: Select-Object -First). Nothing will be consumed
            // any more: a producer waiting on a full bounded pump must wake up and drop, not wait forever.
            _actions.CompleteAdding();
        }
        return task.GetAwaiter().GetResult();
    }

    public void Run(Func<Task> work) => Run(async () =>
    {
        await work().ConfigureAwait(false);
        return true;
    });
}
