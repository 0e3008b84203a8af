#include "runtime/wal/test_fs.hpp"

#include <algorithm>

namespace skald::wal {

// -- memory_file_system -------------------------------------------------------

class memory_file final : public writable_file {
public:
  /// direct: behaves like a posix create_direct() file — the content is the
  /// bytes appended plus zero padding to the next direct_io_block boundary.
  /// used > 0 (open_zero_filled()): appends go after the first `used`
  /// bytes and the file keeps its length (the zeros behind them).
  memory_file(memory_file_system& fs, std::string path, bool direct, size_t used = 0,
              size_t keep = 0)
      : fs_(&fs), path_(std::move(path)), direct_(direct), size_(used), keep_(keep) {}

  status append(std::string_view data) override {
    auto* f = state();
    if (f == nullptr)
      return status{errc::io_error, "write " + path_ + ": closed or removed"};
    if (direct_) {
      f->data.resize(size_); // the padding is rewritten
      f->synced = std::min(f->synced, f->data.size());
    }
    f->data.append(data);
    size_ += data.size();
    pad(*f);
    if (f->data.size() < keep_)
      f->data.resize(keep_, '\0');
    return {};
  }

  status truncate(uint64_t size) override {
    auto* f = state();
    if (f == nullptr)
      return status{errc::io_error, "truncate " + path_ + ": closed or removed"};
    f->data.resize(static_cast<size_t>(size));
    f->synced = std::min(f->synced, f->data.size());
    size_ = static_cast<size_t>(size);
    keep_ = 0;
    return {};
  }

  status sync() override {
    auto* f = state();
    if (f == nullptr)
      return status{errc::io_error, "fsync " + path_ + ": closed or removed"};
    f->synced = f->data.size();
    return {};
  }

  status close() override {
    fs_ = nullptr;
    return {};
  }

private:
  memory_file_system::file_state* state() {
    if (fs_ == nullptr)
      return nullptr;
    auto i = fs_->files_.find(path_);
    return i == fs_->files_.end() ? nullptr : &i->second;
  }

  void pad(memory_file_system::file_state& f) const {
    if (direct_ && size_ % direct_io_block != 0)
      f.data.resize((size_ / direct_io_block + 1) * direct_io_block, '\0');
  }

  memory_file_system* fs_;
  std::string path_;
  bool direct_;
  /// Bytes appended (without the padding).
  size_t size_ = 0;
  /// Length the file keeps (zero-filled files), 0 if none.
  size_t keep_ = 0;
};

std::string memory_file_system::parent(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return "";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

result<std::unique_ptr<writable_file>> memory_file_system::create(const std::string& path) {
  return create_file(path, false);
}

result<std::unique_ptr<writable_file>>
memory_file_system::create_direct(const std::string& path) {
  return create_file(path, true);
}

result<std::unique_ptr<writable_file>> memory_file_system::create_file(const std::string& path,
                                                                        bool direct) {
  if (files_.count(path) != 0 || dirs_.count(path) != 0)
    return status{errc::io_error, "create " + path + ": exists"};
  if (dirs_.count(parent(path)) == 0)
    return status{errc::not_found, "create " + path + ": no such directory"};
  files_[path];
  return std::unique_ptr<writable_file>{std::make_unique<memory_file>(*this, path, direct)};
}

status memory_file_system::create_zero_filled(const std::string& path, std::string_view head,
                                              uint64_t size) {
  if (files_.count(path) != 0 || dirs_.count(path) != 0)
    return status{errc::io_error, "create " + path + ": exists"};
  if (dirs_.count(parent(path)) == 0)
    return status{errc::not_found, "create " + path + ": no such directory"};
  auto& f = files_[path];
  f.data.assign(head);
  f.data.resize(static_cast<size_t>(std::max<uint64_t>(size, head.size())), '\0');
  f.synced = f.data.size();
  return {};
}

result<std::unique_ptr<writable_file>> memory_file_system::open_zero_filled(const std::string& path,
                                                                            uint64_t used) {
  auto i = files_.find(path);
  if (i == files_.end())
    return status{errc::not_found, "open " + path + ": no such file"};
  if (used > i->second.data.size())
    return status{errc::io_error, "open " + path + ": shorter than its used bytes"};
  return std::unique_ptr<writable_file>{std::make_unique<memory_file>(
      *this, path, true, static_cast<size_t>(used), i->second.data.size())};
}

status memory_file_system::read_file(const std::string& path, std::string& out) {
  auto i = files_.find(path);
  if (i == files_.end())
    return status{errc::not_found, "open " + path + ": no such file"};
  out.assign(i->second.data);
  return {};
}

result<std::vector<std::string>> memory_file_system::list_dir(const std::string& dir) {
  if (dirs_.count(dir) == 0)
    return status{errc::not_found, "opendir " + dir + ": no such directory"};
  std::vector<std::string> names;
  auto child = [&](const std::string& p) {
    if (p.size() > dir.size() + 1 && p.compare(0, dir.size(), dir) == 0 && p[dir.size()] == '/' &&
        p.find('/', dir.size() + 1) == std::string::npos)
      names.push_back(p.substr(dir.size() + 1));
  };
  for (auto& [p, f] : files_)
    child(p);
  for (auto& p : dirs_)
    child(p);
  return names;
}

status memory_file_system::create_dirs(const std::string& dir) {
  if (files_.count(dir) != 0)
    return status{errc::io_error, "mkdir " + dir + ": exists and is not a directory"};
  std::string p = dir;
  while (!p.empty() && dirs_.count(p) == 0) {
    dirs_.insert(p);
    p = parent(p);
  }
  return {};
}

status memory_file_system::rename(const std::string& from, const std::string& to) {
  if (auto i = files_.find(from); i != files_.end()) {
    auto st = std::move(i->second);
    files_.erase(i);
    files_[to] = std::move(st);
    return {};
  }
  if (dirs_.count(from) == 0)
    return status{errc::not_found, "rename " + from + ": no such file"};
  // A directory: move it and everything below it.
  auto moved = [&](const std::string& p) {
    return p == from || (p.size() > from.size() && p.compare(0, from.size(), from) == 0 &&
                         p[from.size()] == '/');
  };
  std::map<std::string, file_state> files;
  for (auto i = files_.begin(); i != files_.end();) {
    if (moved(i->first)) {
      files[to + i->first.substr(from.size())] = std::move(i->second);
      i = files_.erase(i);
    } else {
      ++i;
    }
  }
  std::set<std::string> dirs;
  for (auto i = dirs_.begin(); i != dirs_.end();) {
    if (moved(*i)) {
      dirs.insert(to + i->substr(from.size()));
      i = dirs_.erase(i);
    } else {
      ++i;
    }
  }
  for (auto& [p, f] : files)
    files_[p] = std::move(f);
  dirs_.insert(dirs.begin(), dirs.end());
  return {};
}

status memory_file_system::remove_file(const std::string& path) {
  if (files_.erase(path) == 0)
    return status{errc::not_found, "unlink " + path + ": no such file"};
  return {};
}

status memory_file_system::remove_all(const std::string& path) {
  auto below = [&](const std::string& p) {
    return p == path || (p.size() > path.size() && p.compare(0, path.size(), path) == 0 &&
                         p[path.size()] == '/');
  };
  for (auto i = files_.begin(); i != files_.end();)
    i = below(i->first) ? files_.erase(i) : std::next(i);
  for (auto i = dirs_.begin(); i != dirs_.end();)
    i = below(*i) ? dirs_.erase(i) : std::next(i);
  return {};
}

status memory_file_system::sync_dir(const std::string& dir) {
  if (dirs_.count(dir) == 0)
    return status{errc::not_found, "open " + dir + ": no such directory"};
  return {};
}

result<disk_space> memory_file_system::space(const std::string& /*path*/) {
  uint64_t used = 0;
  for (auto& [p, f] : files_)
    used += f.data.size();
  return disk_space{capacity_, used >= capacity_ ? 0 : capacity_ - used};
}

void memory_file_system::drop_unsynced() {
  for (auto& [p, f] : files_)
    f.data.resize(f.synced);
}

std::string* memory_file_system::contents(const std::string& path) {
  auto i = files_.find(path);
  return i == files_.end() ? nullptr : &i->second.data;
}

bool memory_file_system::exists(const std::string& path) const {
  return files_.count(path) != 0 || dirs_.count(path) != 0;
}

void memory_file_system::put(const std::string& path, std::string data) {
  status_ignored(create_dirs(parent(path)), "memory fs: parents of a test file");
  auto& f = files_[path];
  f.data = std::move(data);
  f.synced = f.data.size();
}

// -- fault_injection_file_system -----------------------------------------------

namespace {

class faulty_file final : public writable_file {
public:
  faulty_file(fault_injection_file_system& fs, std::unique_ptr<writable_file> inner)
      : fs_(fs), inner_(std::move(inner)) {}

  status append(std::string_view data) override {
    size_t partial = 0;
    if (auto st = fs_.hit(fs_op::append, &partial); !st) {
      if (partial > 0)
        status_ignored(inner_->append(data.substr(0, std::min(partial, data.size()))),
                       "fault injection: the torn part of a failed write");
      return st;
    }
    return inner_->append(data);
  }

  status truncate(uint64_t size) override {
    if (auto st = fs_.hit(fs_op::truncate); !st)
      return st;
    return inner_->truncate(size);
  }

  status sync() override {
    if (auto st = fs_.hit(fs_op::sync); !st)
      return st;
    return inner_->sync();
  }

  status close() override { return inner_->close(); }

private:
  fault_injection_file_system& fs_;
  std::unique_ptr<writable_file> inner_;
};

} // namespace

void fault_injection_file_system::inject(fs_op op, fault_spec spec) {
  faults_[static_cast<size_t>(op)] = slot{true, spec};
}

void fault_injection_file_system::clear() {
  for (auto& s : faults_)
    s.armed = false;
}

status fault_injection_file_system::hit(fs_op op, size_t* partial) {
  auto i = static_cast<size_t>(op);
  ++calls_[i];
  auto& s = faults_[i];
  if (!s.armed)
    return {};
  if (s.spec.skip > 0) {
    --s.spec.skip;
    return {};
  }
  if (s.spec.times == 0) {
    s.armed = false;
    return {};
  }
  --s.spec.times;
  ++failures_;
  if (partial != nullptr)
    *partial = s.spec.partial_bytes;
  return status{s.spec.code, "injected fault"};
}

result<std::unique_ptr<writable_file>>
fault_injection_file_system::create(const std::string& path) {
  if (auto st = hit(fs_op::create); !st)
    return st;
  auto f = inner_.create(path);
  if (!f)
    return f.error();
  return std::unique_ptr<writable_file>{std::make_unique<faulty_file>(*this, std::move(*f))};
}

result<std::unique_ptr<writable_file>>
fault_injection_file_system::create_direct(const std::string& path) {
  if (auto st = hit(fs_op::create); !st)
    return st;
  auto f = inner_.create_direct(path);
  if (!f)
    return f.error();
  return std::unique_ptr<writable_file>{std::make_unique<faulty_file>(*this, std::move(*f))};
}

status fault_injection_file_system::create_zero_filled(const std::string& path,
                                                       std::string_view head, uint64_t size) {
  if (auto st = hit(fs_op::create); !st)
    return st;
  return inner_.create_zero_filled(path, head, size);
}

result<std::unique_ptr<writable_file>>
fault_injection_file_system::open_zero_filled(const std::string& path, uint64_t used) {
  if (auto st = hit(fs_op::create); !st)
    return st;
  auto f = inner_.open_zero_filled(path, used);
  if (!f)
    return f.error();
  return std::unique_ptr<writable_file>{std::make_unique<faulty_file>(*this, std::move(*f))};
}

status fault_injection_file_system::read_file_direct(const std::string& path, std::string& out) {
  if (auto st = hit(fs_op::read); !st)
    return st;
  return inner_.read_file_direct(path, out);
}

status fault_injection_file_system::read_file(const std::string& path, std::string& out) {
  if (auto st = hit(fs_op::read); !st)
    return st;
  return inner_.read_file(path, out);
}

result<std::vector<std::string>> fault_injection_file_system::list_dir(const std::string& dir) {
  if (auto st = hit(fs_op::list); !st)
    return st;
  return inner_.list_dir(dir);
}

status fault_injection_file_system::create_dirs(const std::string& dir) {
  if (auto st = hit(fs_op::create_dirs); !st)
    return st;
  return inner_.create_dirs(dir);
}

status fault_injection_file_system::rename(const std::string& from, const std::string& to) {
  if (auto st = hit(fs_op::rename); !st)
    return st;
  return inner_.rename(from, to);
}

status fault_injection_file_system::remove_file(const std::string& path) {
  if (auto st = hit(fs_op::remove); !st)
    return st;
  return inner_.remove_file(path);
}

status fault_injection_file_system::remove_all(const std::string& path) {
  if (auto st = hit(fs_op::remove); !st)
    return st;
  return inner_.remove_all(path);
}

status fault_injection_file_system::sync_dir(const std::string& dir) {
  if (auto st = hit(fs_op::sync_dir); !st)
    return st;
  return inner_.sync_dir(dir);
}

result<disk_space> fault_injection_file_system::space(const std::string& path) {
  if (auto st = hit(fs_op::space); !st)
    return st;
  return inner_.space(path);
}

} // namespace skald::wal
