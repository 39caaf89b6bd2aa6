/*
 * minga's return codes, shared by libminga, the host and plugins: 0 for
 * success, a negative MINGA_E... code for each kind of failure. Functions
 * that can say more take a `char **errmsg` and set it to a message the
 * caller frees (minga_free, or free: both are the C library's).
 */
#ifndef MINGA_ERRORS_H
#define MINGA_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

#define MINGA_OK 0
#define MINGA_EINVAL (-1) /* bad input: errors were reported */
#define MINGA_ENOMEM (-2)
#define MINGA_EIO (-3)    /* reading or writing failed */
#define MINGA_ELIMIT (-4) /* a size or count limit was crossed */
#define MINGA_ENOTFOUND (-5)
#define MINGA_EINTERNAL (-6)
#define MINGA_EBUSY (-7)
#define MINGA_EEXISTS (-8)
#define MINGA_EFORBIDDEN (-9) /* outside the rights of who asked */

/* libminga only (a plugin does not link libminga): a short English
 * description of a code, "not found" for MINGA_ENOTFOUND; "unknown error"
 * for a value that is no code. Static; never NULL. */
const char *minga_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* MINGA_ERRORS_H */
