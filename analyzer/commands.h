/* One function per command, like git's builtins. */
#ifndef ARCHPORT_COMMANDS_H
#define ARCHPORT_COMMANDS_H

#ifndef ARCHPORT_VERSION
#define ARCHPORT_VERSION "0.1.0"
#endif

int cmd_scan(int argc, char **argv);
int cmd_stub(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_port(int argc, char **argv);

#endif
