using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// Stops a container object given where an image is expected (<c>Start-Container $container</c>): -Image is a string,
/// and PowerShell would turn the object into its name, which would then be looked up — and pulled — as an image of
/// that name. The error says how to start the container instead.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ImageArgumentAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        if ((inputData is PSObject wrapped ? wrapped.BaseObject : inputData) is Container container)
        {
            throw new ArgumentTransformationMetadataException(
                $"'{container.Name}' is a container, not an image. To start an existing container, pipe it " +
                $"(`$container | Start-Container`) or name it (Start-Container -Name {container.Name}).");
        }

        return inputData;
    }
}
