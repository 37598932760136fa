using System.Management.Automation;
using System.Reflection;

namespace PSContainer.Commands.Progress;

/// <summary>
/// Writes a container's stderr lines the way PowerShell writes a native command's: as ErrorRecords that show
/// in red, can be redirected (2>&amp;1, 2>$null, 2>file) and — unlike a cmdlet's errors — do not interact with
/// $ErrorActionPreference, so a warning on stderr never stops a script. PowerShell keeps that path internal
/// (MshCommandRuntime._WriteErrorSkipAllowCheck with isFromNativeStdError); it is found by reflection, and
/// where it is missing the line is written with WriteError instead.
/// </summary>
internal static class NativeErrorWriter
{
    private static readonly MethodInfo? NativePath = typeof(Cmdlet).Assembly
        .GetType("System.Management.Automation.MshCommandRuntime")
        ?.GetMethod("_WriteErrorSkipAllowCheck", BindingFlags.Instance | BindingFlags.NonPublic, [typeof(ErrorRecord), typeof(ActionPreference?), typeof(bool)]);

    public static void Write(Cmdlet cmdlet, string line)
    {
        var record = new ErrorRecord(new RemoteException(line), "NativeCommandError", ErrorCategory.NotSpecified, null);
        if (NativePath is not null && NativePath.DeclaringType!.IsInstanceOfType(cmdlet.CommandRuntime))
        {
            NativePath.Invoke(cmdlet.CommandRuntime, [record, null, true]);
            return;
        }
        cmdlet.WriteError(record);
    }
}
