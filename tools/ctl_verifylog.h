/**
 * \file
 * sinkhole-ctl verify-log: check hit log files (sinkhole-hitlog(5)): every
 * line parses, every hash matches its record, and each instance's chain
 * and sequence run on without a gap across the files given, oldest first.
 */
#ifndef SK_CTL_VERIFYLOG_H
#define SK_CTL_VERIFYLOG_H

/**
 * The subcommand: sinkhole-ctl verify-log [-q] [-s STATE] FILE...
 * Prints "FILE:LINE: problem" for each problem, then a summary line. With
 * -s, the hit log's state file: the last run must reach the record it
 * names (records cut off the end of the last file are found).
 * @return 0 intact, 1 broken, 2 usage or read error.
 */
int cmd_verify_log(int argc, char **argv);

#endif /* SK_CTL_VERIFYLOG_H */
