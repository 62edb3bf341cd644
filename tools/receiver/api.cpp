#include "api.h"

#include <sqlite3.h>

#include <cctype>
#include <cstring>

#include "query.h"
#include "report.h"
#include "store.h"
#include "web_assets.h"

namespace tracelet::receiver {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool percent_decode(const std::string& in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return true;
}

ApiAnswer json_answer(int status, std::string body) { return {status, "application/json", std::move(body)}; }

std::string store_counters(const Store& store) {
  const StoreStats s = store.stats();
  return "{\"written_spans\":" + std::to_string(s.written_spans) + ",\"dropped_spans\":" +
         std::to_string(s.dropped_spans) + ",\"dropped_requests\":" + std::to_string(s.dropped_requests) +
         ",\"queued_spans\":" + std::to_string(s.queued_spans) + ",\"batches\":" + std::to_string(s.batches) +
         ",\"deleted_spans\":" + std::to_string(s.deleted_spans) + ",\"last_error\":" + json_string(s.last_error) + "}";
}

}  // namespace

bool parse_query_string(const std::string& query, std::map<std::string, std::string>& out, std::string& error) {
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    const std::string pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      std::string key, value;
      if (!percent_decode(pair.substr(0, eq), key) ||
          !percent_decode(eq == std::string::npos ? std::string() : pair.substr(eq + 1), value)) {
        error = "malformed %-escape in the query string";
        return false;
      }
      if (!out.emplace(key, value).second) {
        error = "parameter '" + key + "' given twice";
        return false;
      }
    }
    if (amp == query.size()) break;
  }
  return true;
}

bool answer_page_or_api(const RequestHead& head, const std::string& db_file, const Store* store, ApiAnswer& out) {
  if (head.method != "GET" && head.method != "HEAD") return false;
  if (const WebAsset* asset = find_web_asset(head.path.c_str())) {
    out = {200, asset->content_type, std::string(reinterpret_cast<const char*>(asset->data), asset->size)};
    return true;
  }
  if (head.path.rfind("/api/", 0) != 0) return false;
  const std::string kind = head.path.substr(5);
  if (db_file.empty()) {
    out = json_answer(503, "{\"error\":\"no store: start tracelet-receiver with --db FILE\"}");
    return true;
  }
  const std::size_t q = head.target.find('?');
  std::map<std::string, std::string> raw;
  std::string error;
  QueryParams params;
  if (!parse_query_string(q == std::string::npos ? std::string() : head.target.substr(q + 1), raw, error) ||
      !parse_query_params(raw, unix_now_ns(), params, error)) {
    out = json_answer(400, "{\"error\":" + json_string(error) + "}");
    return true;
  }
  sqlite3* db = open_store_readonly(db_file, error);
  if (db == nullptr) {
    out = json_answer(500, "{\"error\":" + json_string(error) + "}");
    return true;
  }
  const QueryAnswer answer = run_query(db, kind, params);
  sqlite3_close(db);
  out = json_answer(answer.status, answer.json);
  if (kind == "stats" && answer.status == 200 && store != nullptr) {
    out.body = "{\"db\":" + answer.json + ",\"store\":" + store_counters(*store) + "}";
  }
  return true;
}

}  // namespace tracelet::receiver
