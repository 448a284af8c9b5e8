/* The C that obsdtui-vz-helper's Swift calls (swiftc -import-objc-header). */

#include "vzsock.h"
#include "../qemu/wire.h"
