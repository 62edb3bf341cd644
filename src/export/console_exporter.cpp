#include "tracelet/console_exporter.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "core/span_record.h"
#include "tracelet/log_record.h"

namespace tracelet {
namespace {

const char* kind_name(std::uint8_t kind) noexcept {
  switch (kind) {
    case 1: return "internal";
    case 2: return "server";
    case 3: return "client";
    case 4: return "producer";
    case 5: return "consumer";
    default: return "unspecified";
  }
}

// Appends printf-style text to a fixed buffer, cutting at its end.
class LineBuilder {
 public:
  LineBuilder(char* out, std::size_t cap) noexcept : out_(out), cap_(cap) {
    if (cap_ != 0) out_[0] = '\0';
  }
  void add(const char* format, ...) noexcept __attribute__((format(printf, 2, 3))) {
    if (len_ + 1 >= cap_) return;
    va_list args;
    va_start(args, format);
    int n = std::vsnprintf(out_ + len_, cap_ - len_, format, args);
    va_end(args);
    if (n < 0) return;
    len_ += static_cast<std::size_t>(n);
    if (len_ >= cap_) len_ = cap_ - 1;
  }
  // By hand: newlib-nano's printf (small MCUs) has no 64-bit conversions.
  void unsigned64(std::uint64_t v, int min_digits = 1) noexcept {
    char digits[21];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 || n < min_digits);
    while (n > 0) add("%c", digits[--n]);
  }
  void signed64(std::int64_t v) noexcept {
    if (v < 0) {
      add("-");
      unsigned64(0 - static_cast<std::uint64_t>(v));
    } else {
      unsigned64(static_cast<std::uint64_t>(v));
    }
  }
  void hex(const std::uint8_t* bytes, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) add("%02x", bytes[i]);
  }
  // An id in hex, or "-" when it is all zero (none).
  void id_or_dash(const std::uint8_t* bytes, std::size_t n) noexcept {
    std::uint8_t any = 0;
    for (std::size_t i = 0; i < n; ++i) any |= bytes[i];
    if (any == 0) {
      add("-");
    } else {
      hex(bytes, n);
    }
  }
  void value(const AttributeValue& v) noexcept {
    switch (v.type()) {
      case AttributeValue::Type::kBool: add("%s", v.as_bool() ? "true" : "false"); break;
      case AttributeValue::Type::kInt: signed64(v.as_int()); break;
      case AttributeValue::Type::kDouble: add("%g", v.as_double()); break;
      case AttributeValue::Type::kString: quoted(v.as_string()); break;
      case AttributeValue::Type::kArray:  // k=["a","b"], k=[1,2]
        add("[");
        for (std::size_t i = 0; i < v.array_size(); ++i) {
          if (i != 0) add(",");
          value(v.element(i));
        }
        add("]");
        break;
    }
  }
  // "text" with quotes, backslashes and control characters escaped, so a multi-line value
  // (a stack trace) stays on the span's one line.
  void quoted(std::string_view text) noexcept {
    add("\"");
    std::size_t plain = 0;  // start of the run of bytes printed as they are
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) continue;
      add("%.*s", static_cast<int>(i - plain), text.data() + plain);
      plain = i + 1;
      if (c == '\n') {
        add("\\n");
      } else if (c == '\t') {
        add("\\t");
      } else if (c == '"' || c == '\\') {
        add("\\%c", c);
      } else {
        add("\\x%02x", c);
      }
    }
    add("%.*s\"", static_cast<int>(text.size() - plain), text.data() + plain);
  }
  std::size_t length() const noexcept { return len_; }

 private:
  char* out_;
  std::size_t cap_;
  std::size_t len_ = 0;
};

// One span's line: its data bytes plus ids, times and quoting (an exception's stack trace
// included). Longer lines are cut.
constexpr std::size_t kLineBytes = 512 + TRACELET_SPAN_DATA_BYTES;

void write_stdout(void*, const char* line, std::size_t len) noexcept {
  std::fwrite(line, 1, len, stdout);
  std::fputc('\n', stdout);
}

// A log record: "log severity=WARN trace=.. span=.. body=".." attrs={..}"; ids are "-" outside
// a span.
std::size_t format_log_line(const detail::SpanRecordReader& log, LineBuilder& line) noexcept {
  const detail::SpanRecordHead& head = log.head();
  const char* severity = severity_text(static_cast<Severity>(head.kind));
  line.add("log severity=%s", severity[0] != '\0' ? severity : "UNSPECIFIED");
  if (head.kind != 0) line.add("(%u)", static_cast<unsigned>(head.kind));
  line.add(" trace=");
  line.id_or_dash(head.trace_id, 16);
  line.add(" span=");
  line.id_or_dash(head.span_id, 8);
  line.add(" body=");
  line.quoted(log.name());
  line.add(" attrs={");
  detail::AttributeReader attributes = log.attributes();
  detail::AttributeEntry entry;
  for (bool first = true; attributes.next(entry); first = false) {
    line.add("%s%.*s=", first ? "" : ", ", static_cast<int>(entry.key.size()), entry.key.data());
    line.value(entry.value);
  }
  line.add("}");
  if (head.dropped_attributes != 0) line.add(" dropped_attrs=%u", head.dropped_attributes);
  return line.length();
}

}  // namespace

std::size_t format_span_line(const std::uint8_t* record, std::size_t len, char* out,
                             std::size_t cap) noexcept {
  detail::SpanRecordReader span;
  if (cap == 0) return 0;
  if (!span.parse(record, len)) {
    out[0] = '\0';
    return 0;
  }
  const detail::SpanRecordHead& head = span.head();
  LineBuilder line(out, cap);
  if (span.is_log()) return format_log_line(span, line);
  line.add("trace=");
  line.hex(head.trace_id, 16);
  line.add(" span=");
  line.hex(head.span_id, 8);
  line.add(" parent=");
  line.id_or_dash(head.parent_span_id, 8);
  line.add(" name=\"%.*s\" kind=%s", static_cast<int>(span.name().size()), span.name().data(),
           kind_name(head.kind));
  std::uint64_t duration = head.end_unix_ns >= head.start_unix_ns
                               ? head.end_unix_ns - head.start_unix_ns
                               : 0;
  line.add(" duration=");
  line.unsigned64(duration / 1000);
  line.add(".");
  line.unsigned64(duration % 1000, 3);
  line.add("us");
  if (head.status == 1) line.add(" status=ok");
  if (head.status == 2) {
    line.add(" status=error(");
    line.quoted(span.status_message());
    line.add(")");
  }
  line.add(" attrs={");
  detail::AttributeReader attributes = span.attributes();
  detail::AttributeEntry entry;
  for (bool first = true; attributes.next(entry); first = false) {
    line.add("%s%.*s=", first ? "" : ", ", static_cast<int>(entry.key.size()), entry.key.data());
    line.value(entry.value);
  }
  line.add("}");
  if (head.event_count != 0) {
    line.add(" events=[");
    const std::uint8_t* cursor = nullptr;
    detail::EventEntry event;
    for (bool first = true; span.next_event(cursor, event); first = false) {
      line.add("%s%.*s{", first ? "" : ", ", static_cast<int>(event.name.size()), event.name.data());
      detail::AttributeReader event_attributes(event.attributes, event.attributes_end,
                                               event.attribute_count);
      for (bool first_attribute = true; event_attributes.next(entry); first_attribute = false) {
        line.add("%s%.*s=", first_attribute ? "" : ", ", static_cast<int>(entry.key.size()),
                 entry.key.data());
        line.value(entry.value);
      }
      line.add("}");
    }
    line.add("]");
  }
  if (head.dropped_attributes != 0) line.add(" dropped_attrs=%u", head.dropped_attributes);
  if (head.dropped_events != 0) line.add(" dropped_events=%u", head.dropped_events);
  return line.length();
}

std::size_t export_to_console(Tracer& tracer, const ConsoleExporter& exporter) noexcept {
  LineWriter write = exporter.write != nullptr ? exporter.write : write_stdout;
  Ring& ring = tracer.ring();
  std::size_t printed = 0;
  Batch batch;
  while (ring.peek_batch(batch, 64) == Status::kOk) {
    RecordCursor cursor = ring.cursor(batch);
    const std::uint8_t* record = nullptr;
    std::size_t len = 0;
    while (ring.next(cursor, record, len)) {
      char line[kLineBytes];
      std::size_t n = format_span_line(record, len, line, sizeof line);
      if (n == 0) {
        static const char kCorrupt[] = "tracelet: skipped a corrupt span record";
        write(exporter.ctx, kCorrupt, sizeof kCorrupt - 1);
        continue;
      }
      write(exporter.ctx, line, n);
      ++printed;
    }
    ring.commit(batch);
  }
  return printed;
}

}  // namespace tracelet
