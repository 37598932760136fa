using PSContainer.Commands.Cmdlets;

namespace PSContainer.Commands.Progress;

/// <summary>
/// Streams an engine enumeration to the pipeline: the items are produced on the thread pool and written on the
/// pipeline thread through a <see cref="PipelinePump"/>, in batches, at most two batches ahead of what has been
/// written — so a slow consumer (Format-Table) holds the producer back instead of letting a big layer's listing pile
/// up in memory, and a stopped pipeline (Select-Object -First) cancels the producer.
/// </summary>
internal static class PipelineStream
{
    private const int BatchSize = 256;

    public static void Write<T>(ContainerCmdletBase cmdlet, Func<CancellationToken, IEnumerable<T>> produce, Action<T> write, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var window = new SemaphoreSlim(2);
        var pump = new PipelinePump();
        try
        {
            cmdlet.Run(pump, () => Task.Run(() =>
            {
                var batch = new List<T>(BatchSize);
                foreach (var item in produce(stop.Token))
                {
                    batch.Add(item);
                    if (batch.Count == BatchSize)
                    {
                        Flush(batch);
                        batch = new List<T>(BatchSize);
                    }
                }
                if (batch.Count > 0)
                {
                    Flush(batch);
                }
                return true;
            }, stop.Token));
        }
        finally
        {
            // Whatever ended the pump (done, an error, a stopped pipeline), the producer must not go on.
            stop.Cancel();
        }

        void Flush(List<T> items)
        {
            window.Wait(stop.Token);
            pump.Post(() =>
            {
                try
                {
                    foreach (var item in items)
                    {
                        write(item);
                    }
                }
                finally
                {
                    window.Release();
                }
            });
        }
    }
}
