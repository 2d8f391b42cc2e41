#ifndef SEATMUX_LOG_H
#define SEATMUX_LOG_H

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void log_set_level(enum log_level level);
int log_parse_level(const char *name, enum log_level *level);
void log_printf(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_printf(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_printf(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
