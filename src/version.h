#ifndef WTLUA_VERSION_H
#define WTLUA_VERSION_H
#define WTLUA_VERSION "0.1.0"
#endif
