namespace PSContainer.Runtime.Images;

/// <summary>A container that was created from an image: what image removal and garbage collection must respect.</summary>
public sealed record ImageUser(string ImageId, string Container, bool Running);
