using System.Text;
using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>The host name of the calling process's UTS namespace.</summary>
public static unsafe class HostName
{
    public static void Set(string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = bytes)
        {
            if (sethostname(p, bytes.Length) < 0)
            {
                throw LinuxException.FromLastError("sethostname", name);
            }
        }
    }
}
