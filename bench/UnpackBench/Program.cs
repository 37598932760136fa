// Usage: dotnet run -c Release -- <layer blob> <gzip|zstd|none> <diffid> <target dir>
// Unpacks the blob into a fresh <target dir> (removed first) and prints the time spent inside the process.
using System.Diagnostics;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

var compression = Enum.Parse<LayerCompression>(args[1], ignoreCase: true);
var diffId = Digest.Parse(args[2]);
string target = args[3];
DirectoryTree.RemoveAll(target);
Directory.CreateDirectory(target);
var sw = Stopwatch.StartNew();
using var blob = new FileStream(args[0], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
var result = new LayerUnpacker().Unpack(blob, compression, target, diffId, args[0]);
using (var fd = DirectoryFd.Open(target))
{
    fd.SyncFileSystem(); // the snapshotter's commit does this too
}
sw.Stop();
Console.WriteLine($"unpacked {result.Entries} entries, {result.UncompressedSize / 1048576.0:F1} MiB in {sw.Elapsed.TotalMilliseconds:F0} ms");
