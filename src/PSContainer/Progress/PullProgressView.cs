using System.Diagnostics;
using System.Management.Automation;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Reference;

namespace PSContainer.Commands.Progress;

/// <summary>
/// Turns a pull's events into Write-Progress records: one parent record for the image and one child per
/// layer showing bytes, like docker's per-layer progress lines. Runs on the pipeline thread only.
/// </summary>
internal sealed class PullProgressView
{
    private readonly Cmdlet _cmdlet;
    private readonly int _parentId;
    private readonly Dictionary<Digest, int> _layerIds = new();
    private readonly Dictionary<Digest, long> _lastShown = new();
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private readonly bool _push;
    private string _activity = "Pulling";

    /// <param name="cmdlet">The cmdlet that writes the records.</param>
    /// <param name="parentId">The activity id of the parent record; layers get the ids after it.</param>
    /// <param name="push">Shows a push (docker push's wording) rather than a pull.</param>
    public PullProgressView(Cmdlet cmdlet, int parentId, bool push = false)
    {
        _cmdlet = cmdlet;
        _parentId = parentId;
        _push = push;
        if (push)
        {
            _activity = "Pushing";
        }
    }

    /// <summary>An IProgress that forwards through the pump, dropping byte updates that would not change the view.</summary>
    public IProgress<PullProgress> Reporter(PipelinePump pump) => new Forwarder(this, pump);

    private void Show(PullProgress e)
    {
        switch (e.Phase)
        {
            case PullPhase.Resolving:
                _activity = e.Message ?? "Pulling";
                Write(new ProgressRecord(_parentId, _activity, "Resolving"));
                break;
            case PullPhase.Resolved when e.Message is not null && _push:
                Cmdlets.ImagePull.Status(_cmdlet, e.Message);
                break;
            case PullPhase.Waiting:
            case PullPhase.Downloading:
            case PullPhase.Unpacking:
            case PullPhase.Pushing:
                ShowLayer(e, e.Phase switch { PullPhase.Waiting => _push ? "Preparing" : "Waiting", PullPhase.Unpacking => "Extracting", PullPhase.Pushing => "Pushing", _ => "Downloading" });
                break;
            case PullPhase.AlreadyExists when _push:
            case PullPhase.Pushed:
            case PullPhase.Mounted:
                // docker push's lines: "<id>: Pushed", "Layer already exists", "Mounted from <repository>".
                CompleteLayer(e.Digest!.Value, e.Message ?? "Pushed");
                Cmdlets.ImagePull.Status(_cmdlet, $"{e.Digest!.Value.Short}: {e.Message ?? "Pushed"}");
                break;
            case PullPhase.AlreadyExists:
            case PullPhase.Downloaded:
                ShowLayer(e, e.Phase == PullPhase.AlreadyExists ? "Already exists" : "Download complete");
                break;
            case PullPhase.Unpacked:
                CompleteLayer(e.Digest!.Value, e.Message ?? "Pull complete");
                // docker's non-terminal output: one line per layer, so logs show what a pull did.
                Cmdlets.ImagePull.Status(_cmdlet, $"{e.Digest!.Value.Short}: {e.Message ?? "Pull complete"}");
                break;
            case PullPhase.Complete:
                foreach (var digest in _layerIds.Keys.ToList())
                {
                    CompleteLayer(digest, "Pull complete");
                }
                Write(new ProgressRecord(_parentId, _activity, "Complete") { RecordType = ProgressRecordType.Completed });
                break;
        }
    }

    private void ShowLayer(PullProgress e, string status)
    {
        if (e.Digest is not { } digest)
        {
            return;
        }
        if (!_layerIds.TryGetValue(digest, out int id))
        {
            id = _layerIds[digest] = _parentId + 1 + _layerIds.Count;
        }
        var record = new ProgressRecord(id, digest.Short, $"{status} {Bytes(e.Current)} / {Bytes(e.Total)}")
        {
            ParentActivityId = _parentId,
            PercentComplete = e.Total > 0 ? (int)Math.Clamp(e.Current * 100 / e.Total, 0, 100) : -1,
        };
        Write(record);
    }

    private void CompleteLayer(Digest digest, string status)
    {
        if (_layerIds.Remove(digest, out int id))
        {
            Write(new ProgressRecord(id, digest.Short, status) { ParentActivityId = _parentId, RecordType = ProgressRecordType.Completed });
        }
    }

    private void Write(ProgressRecord record) => _cmdlet.WriteProgress(record);

    private static string Bytes(long n) => n switch
    {
        >= 1 << 30 => $"{n / (double)(1 << 30):0.0} GB",
        >= 1 << 20 => $"{n / (double)(1 << 20):0.0} MB",
        >= 1 << 10 => $"{n / (double)(1 << 10):0.0} kB",
        _ => $"{n} B",
    };

    private sealed class Forwarder(PullProgressView view, PipelinePump pump) : IProgress<PullProgress>
    {
        private readonly object _gate = new();

        public void Report(PullProgress value)
        {
            if (value.Phase is PullPhase.Downloading or PullPhase.Pushing && value.Digest is { } digest)
            {
                // Byte counts come in every 128 KiB; ten updates a second are plenty for a person.
                lock (_gate)
                {
                    long last = view._lastShown.GetValueOrDefault(digest);
                    if (value.Current != value.Total && view._sinceLast.ElapsedMilliseconds < 100 && value.Current - last < value.Total / 10)
                    {
                        return;
                    }
                    view._lastShown[digest] = value.Current;
                    view._sinceLast.Restart();
                }
            }
            pump.Post(() => view.Show(value));
        }
    }
}
