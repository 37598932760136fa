using System.Text.Json.Serialization;

namespace PSContainer.Runtime.Registry;

[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(RegistryConfig))]
[JsonSerializable(typeof(Auth.TokenResponse))]
[JsonSerializable(typeof(RegistryErrors))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext
{
}
