#include "core/defaults.hpp"

#include <stdexcept>
#include <string>

#include "proto/options.pb.h"

namespace switchboard {

namespace pb = google::protobuf;

namespace {

// Sets a scalar field from its default's text (the schema's own, so a bad one is a bug: throws).
void set_scalar(pb::Message& m, const pb::FieldDescriptor* f, const std::string& v) {
  const auto* r = m.GetReflection();
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      if (r->GetInt32(m, f) == 0) r->SetInt32(&m, f, std::stoi(v));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      if (r->GetInt64(m, f) == 0) r->SetInt64(&m, f, std::stoll(v));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      if (r->GetUInt32(m, f) == 0) r->SetUInt32(&m, f, static_cast<std::uint32_t>(std::stoul(v)));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      if (r->GetUInt64(m, f) == 0) r->SetUInt64(&m, f, std::stoull(v));
      break;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      if (r->GetDouble(m, f) == 0) r->SetDouble(&m, f, std::stod(v));
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
      if (r->GetFloat(m, f) == 0) r->SetFloat(&m, f, std::stof(v));
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      if (!r->GetBool(m, f)) r->SetBool(&m, f, v == "true");
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (r->GetString(m, f).empty()) r->SetString(&m, f, v);
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      if (r->GetEnumValue(m, f) == 0) {
        const auto* e = f->enum_type()->FindValueByName(v);
        if (!e) throw std::logic_error("schema default of " + f->full_name() + " names no value: " + v);
        r->SetEnumValue(&m, f, e->number());
      }
      break;
    default:
      break;
  }
}

}  // namespace

void apply_defaults(pb::Message& m) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (f->message_type()->file()->package() != "switchboard.v1") continue;
      if (f->is_repeated()) {
        for (int k = 0; k < r->FieldSize(m, f); ++k) apply_defaults(*r->MutableRepeatedMessage(&m, f, k));
      } else {
        apply_defaults(*r->MutableMessage(&m, f));
      }
      continue;
    }
    if (f->is_repeated() || !f->options().HasExtension(v1::default_value)) continue;
    set_scalar(m, f, f->options().GetExtension(v1::default_value));
  }
}

v1::Queue with_defaults(v1::Queue q) {
  apply_defaults(*q.mutable_policy());
  return q;
}

}  // namespace switchboard
