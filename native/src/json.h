// A small JSON value with a strict parser (for plans) and a compact one-line writer (for results and info).
// Objects keep their key order so that echoed layer/strategy objects read as the plan wrote them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace coexec {

class Json {
 public:
  enum class Type { Null, Bool, Int, Num, Str, Arr, Obj };
  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b) : type_(Type::Bool), bool_(b) {}
  Json(int v) : type_(Type::Int), int_(v) {}
  Json(long v) : type_(Type::Int), int_(v) {}
  Json(long long v) : type_(Type::Int), int_(v) {}
  Json(unsigned v) : type_(Type::Int), int_(v) {}
  Json(unsigned long v) : type_(Type::Int), int_(static_cast<int64_t>(v)) {}
  Json(unsigned long long v) : type_(Type::Int), int_(static_cast<int64_t>(v)) {}
  Json(double v) : type_(Type::Num), num_(v) {}
  Json(const char* s) : type_(Type::Str), str_(s) {}
  Json(std::string s) : type_(Type::Str), str_(std::move(s)) {}
  static Json Array() { Json j; j.type_ = Type::Arr; return j; }
  static Json Object() { Json j; j.type_ = Type::Obj; return j; }

  Type type() const { return type_; }
  bool IsNull() const { return type_ == Type::Null; }
  bool IsBool() const { return type_ == Type::Bool; }
  bool IsNumber() const { return type_ == Type::Int || type_ == Type::Num; }
  bool IsInteger() const;  // an Int, or a Num with no fractional part
  bool IsString() const { return type_ == Type::Str; }
  bool IsArray() const { return type_ == Type::Arr; }
  bool IsObject() const { return type_ == Type::Obj; }

  bool AsBool() const { return bool_; }
  double AsDouble() const { return type_ == Type::Int ? static_cast<double>(int_) : num_; }
  int64_t AsInt() const { return type_ == Type::Int ? int_ : static_cast<int64_t>(num_); }
  const std::string& AsString() const { return str_; }
  const std::vector<Json>& Items() const { return arr_; }
  const std::vector<std::pair<std::string, Json>>& Members() const { return obj_; }

  Json& Push(Json v) { arr_.push_back(std::move(v)); return *this; }
  // Sets key (replacing an existing one) and returns *this for chaining.
  Json& Set(const std::string& key, Json v);
  const Json* Find(const std::string& key) const;

  std::string Dump() const;  // compact, one line, no trailing newline
  void DumpTo(std::string& out) const;

 private:
  Type type_ = Type::Null;
  bool bool_ = false;
  int64_t int_ = 0;
  double num_ = 0;
  std::string str_;
  std::vector<Json> arr_;
  std::vector<std::pair<std::string, Json>> obj_;
};

struct JsonParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Parses one JSON document (RFC 8259; duplicate keys rejected). Throws JsonParseError with line:column.
Json ParseJson(const std::string& text);

// Writes a JSON string literal with the escapes the format requires.
void AppendJsonString(std::string& out, const std::string& s);

}  // namespace coexec
