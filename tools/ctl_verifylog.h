/**
 * \file
 * sinkhole-ctl verify-log: check hit log files (sinkhole-hitlog(5)): every
 * line parses, every hash matches its record, and each instance's chain
 * and sequence run on without a gap across the files given, oldest first.
 */
#ifndef SK_CTL_VERIFYLOG_H
#define SK_CTL_VERIFYLOG_H

/**
 * The subcommand: sinkhole-ctl verify-log [-q] FILE...
 * Prints "FILE:LINE: problem" for each problem, then a summary line.
 * @return 0 intact, 1 broken, 2 usage or read error.
 */
int cmd_verify_log(int argc, char **argv);

#endif /* SK_CTL_VERIFYLOG_H */
