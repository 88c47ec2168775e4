#pragma once
// What the page needs to know before it runs anything, as JSON: the settings table (settings.hpp)
// with each setting's bounds, choices, default, help and faces, from which web/params.js checks
// the URL and the form; the limits, names and defaults; the data's layout; the experiments.
// The page reads it from the WebAssembly module (wn_catalog), `wn-train --catalog` prints it.
#include <string>

namespace wn {

std::string catalog_json(const std::string& version);

}  // namespace wn
