// The tests drive Linux tools (bash, cloud-init, openssl); they run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
