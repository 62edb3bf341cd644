#pragma once
#include <ostream>

namespace tracelet::receiver {

/// `tracelet-receiver query KIND --db FILE [--table] [--PARAM VALUE ...]`: runs one query
/// (the same code as GET /api/KIND?PARAM=VALUE) and prints its JSON, or for `--table` a
/// text table (percentiles only). `argv` starts at KIND. Returns the exit status: 0, 1 when
/// the query failed, 2 for a bad command line.
int run_query_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace tracelet::receiver
