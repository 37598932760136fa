// Decompression benchmark: reads a compressed file through each candidate stream in 128 KiB reads
// (the unpacker's read size), hashing nothing, and reports MiB/s of uncompressed output.
// Usage: dotnet run -c Release -- <file.tar.gz> <file.tar.zst> [rounds]
using System.Diagnostics;
using System.IO.Compression;

string gz = args[0], zst = args[1];
int rounds = args.Length > 2 ? int.Parse(args[2]) : 5;

var candidates = new (string Name, string File, Func<Stream, Stream> Open)[]
{
    ("System.IO.Compression.GZipStream", gz, s => new GZipStream(s, CompressionMode.Decompress)),
    ("SharpCompress GZipStream", gz, s => new SharpCompress.Compressors.Deflate.GZipStream(s, SharpCompress.Compressors.CompressionMode.Decompress)),
    ("SharpCompress ZStandard DecompressionStream", zst, s => new SharpCompress.Compressors.ZStandard.DecompressionStream(s)),
    ("ZstdSharp.Port DecompressionStream", zst, s => new ZstdSharp.DecompressionStream(s)),
};

byte[] buffer = new byte[128 * 1024];
foreach (var (name, file, open) in candidates)
{
    var times = new List<double>();
    long total = 0;
    long allocated = 0;
    for (int r = 0; r < rounds + 1; r++)
    {
        long before = GC.GetTotalAllocatedBytes(true);
        var sw = Stopwatch.StartNew();
        using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        using (var d = open(input))
        {
            total = 0;
            int n;
            while ((n = d.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += n;
            }
        }
        sw.Stop();
        allocated = GC.GetTotalAllocatedBytes(true) - before;
        if (r > 0)
        {
            times.Add(sw.Elapsed.TotalSeconds); // round 0 is warm-up (JIT, page cache)
        }
    }
    times.Sort();
    double median = times[times.Count / 2];
    Console.WriteLine($"{name,-46} {total / 1048576.0,8:F1} MiB  median {median * 1000,8:F0} ms  {total / 1048576.0 / median,8:F0} MiB/s  alloc/run {allocated / 1024.0,10:F0} KiB");
}
