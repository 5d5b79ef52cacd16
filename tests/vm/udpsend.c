// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sends its standard input as one UDP datagram, for the attach test in the
 * Linux 6.1 guest (busybox's nc has no UDP). IPv4 only.
 *
 * Usage: udpsend ADDR PORT [SPORT] < payload
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	static char buf[65507];
	struct sockaddr_in to = { .sin_family = AF_INET }, from = { .sin_family = AF_INET };
	size_t len = 0;
	ssize_t n;
	int fd;

	if (argc < 3 || argc > 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpsend ADDR PORT [SPORT] < payload\n");
		return 2;
	}
	to.sin_port = htons(atoi(argv[2]));
	while (len < sizeof(buf) && (n = read(STDIN_FILENO, buf + len, sizeof(buf) - len)) > 0)
		len += n;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		fprintf(stderr, "udpsend: socket: %s\n", strerror(errno));
		return 1;
	}
	if (argc == 4) {
		from.sin_port = htons(atoi(argv[3]));
		if (bind(fd, (struct sockaddr *)&from, sizeof(from))) {
			fprintf(stderr, "udpsend: bind: %s\n", strerror(errno));
			return 1;
		}
	}
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)len) {
		fprintf(stderr, "udpsend: sendto %s:%s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
