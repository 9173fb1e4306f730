// JSON parser and writer used for plans, results and info.
#include "json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace coexec {

bool Json::IsInteger() const {
  if (type_ == Type::Int) return true;
  return type_ == Type::Num && std::isfinite(num_) && std::floor(num_) == num_ && std::fabs(num_) < 9.0e15;
}

Json& Json::Set(const std::string& key, Json v) {
  for (auto& kv : obj_) {
    if (kv.first == key) { kv.second = std::move(v); return *this; }
  }
  obj_.emplace_back(key, std::move(v));
  return *this;
}

const Json* Json::Find(const std::string& key) const {
  for (const auto& kv : obj_) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

void AppendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

namespace {
// Shortest of %.15g / %.17g that reads back to the same double (0.3 stays "0.3").
void AppendDouble(std::string& out, double v) {
  if (!std::isfinite(v)) { out += "null"; return; }  // JSON has no NaN/Inf
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}
}  // namespace

void Json::DumpTo(std::string& out) const {
  switch (type_) {
    case Type::Null: out += "null"; break;
    case Type::Bool: out += bool_ ? "true" : "false"; break;
    case Type::Int: out += std::to_string(int_); break;
    case Type::Num: AppendDouble(out, num_); break;
    case Type::Str: AppendJsonString(out, str_); break;
    case Type::Arr:
      out += '[';
      for (size_t i = 0; i < arr_.size(); ++i) {
        if (i) out += ',';
        arr_[i].DumpTo(out);
      }
      out += ']';
      break;
    case Type::Obj:
      out += '{';
      for (size_t i = 0; i < obj_.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(out, obj_[i].first);
        out += ':';
        obj_[i].second.DumpTo(out);
      }
      out += '}';
      break;
  }
}

std::string Json::Dump() const {
  std::string s;
  DumpTo(s);
  return s;
}

namespace {

class Parser {
 public:
  explicit Parser(const std::string& t) : t_(t) {}
  Json Document() {
    Json v = Value(0);
    Space();
    if (i_ != t_.size()) Fail("unexpected text after the JSON document");
    return v;
  }

 private:
  const std::string& t_;
  size_t i_ = 0;

  [[noreturn]] void Fail(const std::string& what) {
    size_t line = 1, col = 1;
    for (size_t k = 0; k < i_ && k < t_.size(); ++k) {
      if (t_[k] == '\n') { ++line; col = 1; } else { ++col; }
    }
    throw JsonParseError("JSON " + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
  }
  void Space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  bool Eat(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (t_.compare(i_, n, word) == 0) { i_ += n; return true; }
    return false;
  }
  Json Value(int depth) {
    if (depth > 64) Fail("nesting too deep");
    Space();
    if (i_ >= t_.size()) Fail("unexpected end of input");
    char c = t_[i_];
    if (c == '{') return Obj(depth);
    if (c == '[') return Arr(depth);
    if (c == '"') return Json(Str());
    if (Eat("true")) return Json(true);
    if (Eat("false")) return Json(false);
    if (Eat("null")) return Json();
    if (c == '-' || (c >= '0' && c <= '9')) return Num();
    Fail(std::string("unexpected character '") + c + "'");
  }
  Json Obj(int depth) {
    Json o = Json::Object();
    ++i_;
    Space();
    if (i_ < t_.size() && t_[i_] == '}') { ++i_; return o; }
    for (;;) {
      Space();
      if (i_ >= t_.size() || t_[i_] != '"') Fail("expected a key string");
      std::string key = Str();
      if (o.Find(key)) Fail("duplicate key \"" + key + "\"");
      Space();
      if (i_ >= t_.size() || t_[i_] != ':') Fail("expected ':'");
      ++i_;
      o.Set(key, Value(depth + 1));
      Space();
      if (i_ < t_.size() && t_[i_] == ',') { ++i_; continue; }
      if (i_ < t_.size() && t_[i_] == '}') { ++i_; return o; }
      Fail("expected ',' or '}'");
    }
  }
  Json Arr(int depth) {
    Json a = Json::Array();
    ++i_;
    Space();
    if (i_ < t_.size() && t_[i_] == ']') { ++i_; return a; }
    for (;;) {
      a.Push(Value(depth + 1));
      Space();
      if (i_ < t_.size() && t_[i_] == ',') { ++i_; continue; }
      if (i_ < t_.size() && t_[i_] == ']') { ++i_; return a; }
      Fail("expected ',' or ']'");
    }
  }
  static void AppendUtf8(std::string& s, unsigned cp) {
    if (cp < 0x80) { s += static_cast<char>(cp); }
    else if (cp < 0x800) { s += static_cast<char>(0xC0 | (cp >> 6)); s += static_cast<char>(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12)); s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18)); s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  unsigned Hex4() {
    if (i_ + 4 > t_.size()) Fail("bad \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = t_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= h - '0';
      else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
      else Fail("bad \\u escape");
    }
    return v;
  }
  std::string Str() {
    std::string s;
    ++i_;
    for (;;) {
      if (i_ >= t_.size()) Fail("unterminated string");
      char c = t_[i_++];
      if (c == '"') return s;
      if (static_cast<unsigned char>(c) < 0x20) Fail("control character in string");
      if (c != '\\') { s += c; continue; }
      if (i_ >= t_.size()) Fail("unterminated string");
      char e = t_[i_++];
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          unsigned cp = Hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && Eat("\\u")) {
            unsigned lo = Hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          AppendUtf8(s, cp);
          break;
        }
        default: Fail(std::string("bad escape \\") + e);
      }
    }
  }
  Json Num() {
    size_t start = i_;
    if (t_[i_] == '-') ++i_;
    auto digits = [&] {
      size_t s = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      return i_ > s;
    };
    if (!digits()) Fail("bad number");
    bool integer = true;
    if (i_ < t_.size() && t_[i_] == '.') { ++i_; integer = false; if (!digits()) Fail("bad number"); }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_; integer = false;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (!digits()) Fail("bad number");
    }
    std::string text = t_.substr(start, i_ - start);
    if (integer && text.size() < 18) return Json(static_cast<long long>(std::strtoll(text.c_str(), nullptr, 10)));
    return Json(std::strtod(text.c_str(), nullptr));
  }
};

}  // namespace

Json ParseJson(const std::string& text) { return Parser(text).Document(); }

}  // namespace coexec
