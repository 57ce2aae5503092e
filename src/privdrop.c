/* setresuid and friends are GNU extensions. */
#define _GNU_SOURCE

#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "user %s: %s", user, errno ? strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user %s is root: nothing would be dropped", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int privdrop_give_dir(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0 || fchown(dfd, uid, gid) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	DIR *d = fdopendir(dfd);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		close(dfd);
		return -1;
	}
	int rc = 0;
	for (struct dirent *e; (e = readdir(d));) {
		struct stat st;
		/* Regular files only, never following a link out of it. */
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (fchownat(dfd, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
			snprintf(err, errlen, "%s/%s: %s", dir, e->d_name, strerror(errno));
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

static int capset_to(__u32 caps)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof data);
	data[0].effective = data[0].permitted = caps;
	return (int)syscall(SYS_capset, &header, data);
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int privdrop_to(uid_t uid, gid_t gid, bool net_admin, char *err, size_t errlen)
{
	const __u32 keep = 1u << CAP_NET_RAW | (net_admin ? 1u << CAP_NET_ADMIN : 0);

	/* The bounding set first: dropping from it needs CAP_SETPCAP. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap) >= 0; cap++)
		if (cap >= 32 || !(keep & (1u << cap)))
			if (prctl(PR_CAPBSET_DROP, cap) < 0)
				FAIL("cannot drop capability %d from the bounding set: %s", cap, strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 1) < 0)
		FAIL("PR_SET_KEEPCAPS: %s", strerror(errno));
	if (setgroups(1, &gid) < 0)
		FAIL("setgroups: %s", strerror(errno));
	if (setresgid(gid, gid, gid) < 0)
		FAIL("setresgid(%u): %s", (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid) < 0)
		FAIL("setresuid(%u): %s", (unsigned)uid, strerror(errno));
	/* setuid emptied the effective set and kept the permitted one: keep
	 * only what is needed, in both. */
	if (capset_to(keep) < 0)
		FAIL("capset: %s", strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0) < 0 || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		FAIL("clearing kept and ambient capabilities: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		FAIL("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));

	/* Trust, but verify. */
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 ||
	    ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid)
		FAIL("user and group ids are not all %u:%u", (unsigned)uid, (unsigned)gid);
	if (setuid(0) == 0 || seteuid(0) == 0)
		FAIL("root could be regained");
	return 0;
}
