/*
 * Cases as CSV rows (RFC 4180) in the case format v1.
 *
 * CRLF line ends; a field is quoted when it contains , " CR LF or starts or
 * ends with a space or tab, with quotes doubled. The header holds exactly
 * the contract's field names in the contract's order; array fields are
 * joined with ';'. A UTF-8 byte order mark comes first so spreadsheet
 * programs read accents right (the CSV importer skips it). A cell that
 * would start with = + - @ tab or CR (or with `'`s and then one of those)
 * gets a leading `'`, so that no spreadsheet runs it as a formula; the CSV
 * importer strips it again.
 */
#ifndef MINGA_EXP_CSV_OUT_H
#define MINGA_EXP_CSV_OUT_H

#include "out.h"

/* Writes the BOM and the header row. */
int exp_csv_write_header(struct exp_out *out);
/* Writes one case as a row. */
int exp_csv_write_case(struct exp_out *out, const struct minga_case *c);

#endif /* MINGA_EXP_CSV_OUT_H */
