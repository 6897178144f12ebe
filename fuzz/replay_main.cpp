// A plain main for the fuzz targets: runs LLVMFuzzerTestOneInput once over every file of the
// folders (recursively) and files named on the command line, in name order, so a GCC build (and
// CI's ASan+UBSan pass) replays the corpus without libFuzzer. A path that does not exist fails.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool collect(const fs::path& p, std::vector<fs::path>& out) {
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) {
    out.push_back(p);
    return true;
  }
  if (!fs::is_directory(p, ec)) return false;
  for (const auto& e : fs::recursive_directory_iterator(p, ec)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  return !ec;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!collect(argv[i], inputs)) {
      std::fprintf(stderr, "%s: no such file or folder\n", argv[i]);
      return 2;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  LLVMFuzzerTestOneInput(nullptr, 0);  // libFuzzer always tries the empty input first
  for (const auto& p : inputs) {
    const std::string bytes = read(p);
    std::fprintf(stderr, "replay %s (%zu bytes)\n", p.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replayed %zu inputs\n", inputs.size());
  return inputs.empty() ? 1 : 0;
}
