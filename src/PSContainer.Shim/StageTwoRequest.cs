using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Process;

namespace PSContainer.Shim;

/// <summary>What stage 1 prepares for stage 2 while stage 2's runtime starts: the decoded bundle and the seccomp program.</summary>
internal static class StageTwoRequest
{
    public static byte[] Build(Bundle bundle, byte[]? seccompProgram, int namespaceFlags, IReadOnlyList<CgroupHierarchy> hierarchies) =>
        new InitRequest(bundle, namespaceFlags) { SeccompProgram = seccompProgram, CgroupHierarchies = hierarchies }.Encode();
}
