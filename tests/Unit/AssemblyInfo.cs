// The engine runs on Linux only, and so do its tests (namespaces, mounts, psc-shim).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
