using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using Xunit;

namespace PSContainer.Tests.Containers;

public sealed class ContainerTransitionsTests
{
    public static TheoryData<ContainerStatus, ContainerStatus, string?> Moves => new()
    {
        // from, to, ErrorId (null: allowed)
        { ContainerStatus.Created, ContainerStatus.Running, null },
        { ContainerStatus.Created, ContainerStatus.Removing, null },
        { ContainerStatus.Created, ContainerStatus.Exited, "ContainerNotRunning" },
        { ContainerStatus.Created, ContainerStatus.Paused, "ContainerNotRunning" },
        { ContainerStatus.Running, ContainerStatus.Exited, null },
        { ContainerStatus.Running, ContainerStatus.Paused, null },
        { ContainerStatus.Running, ContainerStatus.Running, "ContainerAlreadyRunning" },
        { ContainerStatus.Running, ContainerStatus.Removing, "ContainerIsRunning" },
        { ContainerStatus.Running, ContainerStatus.Created, "ContainerInvalidStateTransition" },
        { ContainerStatus.Paused, ContainerStatus.Running, null },
        { ContainerStatus.Paused, ContainerStatus.Exited, null },
        { ContainerStatus.Paused, ContainerStatus.Paused, "ContainerAlreadyPaused" },
        { ContainerStatus.Paused, ContainerStatus.Removing, "ContainerIsRunning" },
        { ContainerStatus.Exited, ContainerStatus.Running, null },
        { ContainerStatus.Exited, ContainerStatus.Removing, null },
        { ContainerStatus.Exited, ContainerStatus.Exited, "ContainerNotRunning" },
        { ContainerStatus.Exited, ContainerStatus.Paused, "ContainerNotRunning" },
        { ContainerStatus.Removing, ContainerStatus.Running, "ContainerIsBeingRemoved" },
        { ContainerStatus.Removing, ContainerStatus.Removing, "ContainerIsBeingRemoved" },
        { ContainerStatus.Removing, ContainerStatus.Exited, "ContainerIsBeingRemoved" },
    };

    [Theory]
    [MemberData(nameof(Moves))]
    public void IllegalMovesFailWithAStableErrorId(ContainerStatus from, ContainerStatus to, string? errorId)
    {
        Assert.Equal(errorId is null, ContainerTransitions.IsAllowed(from, to));
        if (errorId is null)
        {
            ContainerTransitions.Check("web", from, to);
            return;
        }

        var e = Assert.Throws<ContainerRuntimeException>(() => ContainerTransitions.Check("web", from, to));
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Equal(errorId, e.ErrorId);
        Assert.StartsWith("container web: cannot ", e.Message);
    }

    [Fact]
    public void EveryPairIsCoveredAndRemovingIsFinal()
    {
        var statuses = Enum.GetValues<ContainerStatus>();
        foreach (var to in statuses)
        {
            Assert.False(ContainerTransitions.IsAllowed(ContainerStatus.Removing, to));
            Assert.False(ContainerTransitions.IsAllowed(to, ContainerStatus.Created), "nothing goes back to Created");
        }
    }
}
