namespace PSContainer.Runtime.Images;

/// <summary>Sibling work that cancels itself on the first failure (containerd's images.Dispatch).</summary>
internal static class Dispatch
{
    /// <summary>
    /// Waits for every task. When one failed and its siblings were cancelled because of it (not because the
    /// caller cancelled), the failure is what is reported, not the cancellation.
    /// </summary>
    public static async Task WhenAllAsync(IReadOnlyList<Task> tasks, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            throw;
        }
    }
}
