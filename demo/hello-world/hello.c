/*
 * hello: the program inside the demo's hello-world image, in the spirit of Docker's.
 * Built by demo/Invoke-Demo.ps1 with `gcc -static -Os -s`, so the image needs nothing but /hello.
 * It prints what it can see of its own isolation: its PID, its hostname, its network interfaces.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Names of the network interfaces from /proc/net/dev (two header lines, then "  name: ...").
 * In a fresh network namespace there is only "lo". */
static void print_interfaces(void)
{
    FILE *f = fopen("/proc/net/dev", "r");
    char line[512];
    int n = 0;

    if (f == NULL) {
        printf("no /proc/net/dev to read");
        return;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        char *name = line;
        if (colon == NULL)
            continue; /* the header lines have no colon */
        *colon = '\0';
        while (*name == ' ')
            name++;
        printf("%s%s", n++ ? ", " : "", name);
    }
    fclose(f);
}

int main(void)
{
    char hostname[256] = "?";

    gethostname(hostname, sizeof hostname - 1);

    printf("\n"
           "Hello from PSContainer!\n"
           "This message shows that your installation appears to be working correctly.\n"
           "\n"
           "To generate this message, PSContainer took the following steps:\n"
           " 1. Your PowerShell session ran Start-Container hello-world.\n"
           " 2. PSContainer looked for the \"hello-world\" image in its local store. The first\n"
           "    time it is not there, so PSContainer pulled it from the registry (here a\n"
           "    mirror of docker.io) and verified the digest of every blob it received.\n"
           " 3. PSContainer unpacked the image's layers and assembled the container's root\n"
           "    filesystem from them with overlayfs.\n"
           " 4. PSContainer started this program as PID 1 in new mount, PID, UTS, IPC and\n"
           "    network namespaces, and streamed its output into your pipeline.\n"
           "\n"
           "What this program sees from inside the container:\n");
    printf("    PID:        %d\n", (int)getpid());
    printf("    hostname:   %s\n", hostname);
    printf("    interfaces: ");
    print_interfaces();
    printf("\n"
           "\n"
           "To try something more ambitious, run a shell in a busybox container:\n"
           " PS> Start-Container busybox sh -c 'ps; hostname'\n"
           "\n"
           "See what is in the local store, image by image and layer by layer:\n"
           " PS> Get-ContainerImage | Get-ContainerLayer\n"
           "\n");
    return 0;
}
