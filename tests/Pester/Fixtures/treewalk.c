/*
 * treewalk: prints one line per file under a root, with everything a container can observe of it, so that two
 * root filesystems (PSContainer's and podman's) can be compared line by line. Built static with gcc by
 * TestHarness.psm1 (New-TreeWalker) and run both inside a container and on the host; independent of PSContainer.
 *
 *   treewalk ROOT    ->  path TAB type TAB mode TAB uid TAB gid TAB size TAB mtime TAB link TAB rdev TAB inode TAB nlink TAB hash TAB xattrs
 *
 * Paths are relative to ROOT ("/" for ROOT itself). Bytes outside printable ASCII (and backslash, tab, space,
 * '=' and ',') are written as \xHH, so names that are not UTF-8 survive. Directories on another device than ROOT
 * (a container's /proc, /dev, /sys) are not entered or listed: they are the runtime's, not the image's.
 * hash is FNV-1a 64 of a regular file's content; inode is dev:ino (to group hardlinks); xattrs are name=hexvalue,
 * sorted, comma separated.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static dev_t root_dev;

static void put_escaped(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '=' || c == ',')
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t hash_file(const char *path)
{
    uint64_t h = 1469598103934665603ULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char buffer[65536];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0)
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buffer[i]) * 1099511628211ULL;
    close(fd);
    return h;
}

static void put_xattrs(const char *path)
{
    char names[65536];
    ssize_t n = llistxattr(path, names, sizeof names);
    if (n <= 0)
        return;
    char *list[1024];
    int count = 0;
    for (char *p = names; p < names + n && count < 1024; p += strlen(p) + 1)
        list[count++] = p;
    qsort(list, count, sizeof list[0], compare_names);
    for (int i = 0; i < count; i++) {
        unsigned char value[65536];
        ssize_t v = lgetxattr(path, list[i], value, sizeof value);
        if (v < 0)
            continue;
        if (i > 0)
            putchar(',');
        put_escaped(list[i], strlen(list[i]));
        putchar('=');
        for (ssize_t j = 0; j < v; j++)
            printf("%02x", value[j]);
    }
}

static void walk(const char *path, const char *relative)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        perror(path);
        exit(2);
    }
    if (st.st_dev != root_dev)
        return;
    const char *type = S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : S_ISLNK(st.st_mode) ? "symlink"
        : S_ISCHR(st.st_mode) ? "char" : S_ISBLK(st.st_mode) ? "block" : S_ISFIFO(st.st_mode) ? "fifo" : "socket";
    put_escaped(relative, strlen(relative));
    printf("\t%s\t%04o\t%u\t%u\t%lld\t%lld.%09ld\t", type, st.st_mode & 07777, st.st_uid, st.st_gid,
        S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? (long long)st.st_size : 0LL,
        (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    if (S_ISLNK(st.st_mode)) {
        char target[8192];
        ssize_t n = readlink(path, target, sizeof target);
        if (n > 0)
            put_escaped(target, (size_t)n);
    }
    printf("\t%u:%u\t%llu:%llu\t%lu\t", S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? major(st.st_rdev) : 0,
        S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? minor(st.st_rdev) : 0,
        (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, (unsigned long)st.st_nlink);
    if (S_ISREG(st.st_mode))
        printf("%016llx", (unsigned long long)hash_file(path));
    putchar('\t');
    put_xattrs(path);
    putchar('\n');
    if (!S_ISDIR(st.st_mode))
        return;
    DIR *dir = opendir(path);
    if (dir == NULL) {
        perror(path);
        exit(2);
    }
    size_t count = 0, capacity = 64;
    char **names = malloc(capacity * sizeof *names);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (count == capacity)
            names = realloc(names, (capacity *= 2) * sizeof *names);
        names[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], compare_names);
    for (size_t i = 0; i < count; i++) {
        size_t pl = strlen(path), rl = strlen(relative), nl = strlen(names[i]);
        char *child = malloc(pl + nl + 2), *childRelative = malloc(rl + nl + 2);
        sprintf(child, "%s%s%s", path, path[pl - 1] == '/' ? "" : "/", names[i]);
        sprintf(childRelative, "%s%s%s", relative, relative[rl - 1] == '/' ? "" : "/", names[i]);
        walk(child, childRelative);
        free(child);
        free(childRelative);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: treewalk ROOT\n");
        return 2;
    }
    struct stat st;
    if (lstat(argv[1], &st) != 0) {
        perror(argv[1]);
        return 2;
    }
    root_dev = st.st_dev;
    walk(argv[1], "/");
    return fflush(stdout) == 0 ? 0 : 2;
}
