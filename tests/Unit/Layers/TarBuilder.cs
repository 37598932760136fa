using Xunit;
using System.Diagnostics;
using System.Formats.Tar;
using System.Text;

namespace PSContainer.Tests.Layers;

/// <summary>Writes test layers with .NET's TarWriter (PAX format), never with the engine's own code.</summary>
public sealed class TarBuilder
{
    public static readonly DateTimeOffset DefaultTime = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly MemoryStream _stream = new();
    private readonly TarWriter _writer;

    public TarBuilder(TarEntryFormat format = TarEntryFormat.Pax)
    {
        Format = format;
        _writer = new TarWriter(_stream, format, leaveOpen: true);
    }

    public TarEntryFormat Format { get; }

    public TarBuilder Dir(string name, int mode = 0b111_101_101, int uid = 0, int gid = 0, DateTimeOffset? mtime = null, Dictionary<string, string>? pax = null) =>
        Add(TarEntryType.Directory, name, mode, uid, gid, mtime, pax);

    public TarBuilder File(string name, string content = "", int mode = 0b110_100_100, int uid = 0, int gid = 0, DateTimeOffset? mtime = null, Dictionary<string, string>? pax = null) =>
        Add(TarEntryType.RegularFile, name, mode, uid, gid, mtime, pax, data: Encoding.UTF8.GetBytes(content));

    public TarBuilder File(string name, byte[] content, int mode = 0b110_100_100) =>
        Add(TarEntryType.RegularFile, name, mode, 0, 0, null, null, data: content);

    public TarBuilder Symlink(string name, string target, int uid = 0, int gid = 0) =>
        Add(TarEntryType.SymbolicLink, name, 0b111_111_111, uid, gid, null, null, link: target);

    /// <summary>A hardlink entry; real tar writers repeat the target's metadata in it, and it is applied (as containerd does).</summary>
    public TarBuilder Hardlink(string name, string target, int mode = 0b110_100_100) =>
        Add(TarEntryType.HardLink, name, mode, 0, 0, null, null, link: target);

    public TarBuilder Fifo(string name, int mode = 0b110_100_100) => Add(TarEntryType.Fifo, name, mode, 0, 0, null, null);

    public TarBuilder Char(string name, int major, int minor, int mode = 0b110_110_110) =>
        Add(TarEntryType.CharacterDevice, name, mode, 0, 0, null, null, major: major, minor: minor);

    public TarBuilder Block(string name, int major, int minor, int mode = 0b110_110_000) =>
        Add(TarEntryType.BlockDevice, name, mode, 0, 0, null, null, major: major, minor: minor);

    public TarBuilder Whiteout(string name) => File(name);

    public TarBuilder Add(TarEntryType type, string name, int mode, int uid, int gid, DateTimeOffset? mtime, Dictionary<string, string>? pax,
        byte[]? data = null, string? link = null, int major = 0, int minor = 0)
    {
        PosixTarEntry entry = Format == TarEntryFormat.Pax
            ? new PaxTarEntry(type, name, pax ?? new Dictionary<string, string>())
            : new GnuTarEntry(type, name);
        entry.Mode = (UnixFileMode)mode;
        entry.Uid = uid;
        entry.Gid = gid;
        entry.ModificationTime = mtime ?? DefaultTime;
        if (link is not null)
        {
            entry.LinkName = link;
        }
        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            entry.DeviceMajor = major;
            entry.DeviceMinor = minor;
        }
        if (data is not null)
        {
            entry.DataStream = new MemoryStream(data);
        }
        _writer.WriteEntry(entry);
        return this;
    }

    public byte[] Build()
    {
        _writer.Dispose();
        return _stream.ToArray();
    }

    /// <summary>Runs a python3 tarfile script (for what TarWriter cannot write: binary PAX values, raw names) and returns the tar.</summary>
    public static byte[] Python(string body)
    {
        string file = Path.Combine(Path.GetTempPath(), "psc-py-" + Guid.NewGuid().ToString("N") + ".tar");
        string script = "import tarfile, io\nout = tarfile.open(" + PyString(file) + ", 'w', format=tarfile.PAX_FORMAT)\n"
            + "def add(name, data=b'', type=tarfile.REGTYPE, mode=0o644, pax=None, link=''):\n"
            + "    ti = tarfile.TarInfo(name); ti.type = type; ti.mode = mode; ti.size = len(data); ti.mtime = 1577934245; ti.linkname = link\n"
            + "    if pax: ti.pax_headers = pax\n"
            + "    out.addfile(ti, io.BytesIO(data) if data else None)\n"
            + body + "\nout.close()\n";
        // Debian's own python3 when it is there: a version manager's shim on PATH (pyenv) costs a second per call.
        string python = System.IO.File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var psi = new ProcessStartInfo(python) { RedirectStandardInput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(psi)!;
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        byte[] tar = System.IO.File.ReadAllBytes(file);
        System.IO.File.Delete(file);
        return tar;
    }

    private static string PyString(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
}
