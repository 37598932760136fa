using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PSContainer.Tests.Linux;

/// <summary>
/// Asks the C compiler what the system headers say: builds a small program that prints "name=value" for each
/// expression, runs it, and returns the values (the approach of Tmds.LibC's ConstantsTests). gcc and the libc
/// and kernel headers must be installed (build-essential, linux-libc-dev); a missing compiler fails the test.
/// </summary>
internal static class CHeaders
{
    public static IReadOnlyDictionary<string, long> Evaluate(IEnumerable<string> includes, IEnumerable<(string Name, string Expression)> values)
    {
        StringBuilder source = new();
        source.AppendLine("#define _GNU_SOURCE");
        foreach (string include in includes)
        {
            source.AppendLine(CultureInfo.InvariantCulture, $"#include <{include}>");
        }

        source.AppendLine("#include <stdio.h>");
        source.AppendLine("#include <stddef.h>");
        source.AppendLine("int main(void) {");
        foreach ((string name, string expression) in values)
        {
            source.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"%s=%lld\\n\", \"{name}\", (long long)({expression}));");
        }

        source.AppendLine("  return 0;\n}");

        string dir = Directory.CreateTempSubdirectory("psc-cheaders-").FullName;
        try
        {
            string c = Path.Combine(dir, "values.c");
            string exe = Path.Combine(dir, "values");
            File.WriteAllText(c, source.ToString());
            Run("gcc", ["-Wall", "-o", exe, c]);
            string output = Run(exe, []);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split('=', 2))
                .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string file, string[] args)
    {
        ProcessStartInfo info = new(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout;
    }
}
