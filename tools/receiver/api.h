#pragma once
#include <map>
#include <string>

#include "http.h"

namespace tracelet::receiver {

class Store;

/// An answer to a GET on the page or the query API.
struct ApiAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
};

/// True when `head` asks for the page (/, /app.js, /style.css) or the API (/api/KIND?...);
/// then `out` holds the answer. The API reads `db_file` through its own read-only connection
/// (empty: 503 saying to start with --db); `store` (may be null) adds the writer's counters
/// to /api/stats.
bool answer_page_or_api(const RequestHead& head, const std::string& db_file, const Store* store,
                        ApiAnswer& out);

/// The parameters of a query string ("a=1&b=x%20y"), percent- and '+'-decoded. False with
/// `error` set on a malformed escape or a repeated name.
bool parse_query_string(const std::string& query, std::map<std::string, std::string>& out, std::string& error);

}  // namespace tracelet::receiver
