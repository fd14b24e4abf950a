# A build host for the fleet tests (issue 16), sourced after lib.sh: a test
# CA and a server certificate for 127.0.0.1 made with openssl in
# $WORK/ca, and nginx (Debian's) serving a folder over HTTPS on
# 127.0.0.1:NGINX_PORT with its own config, pid file and logs in
# $WORK/nginx, started and stopped by PID.
: "${NGINX:=nginx}" "${OPENSSL:=openssl}"

# make_test_ca: $WORK/ca/ca.pem (the CA followers trust), server.pem and
# server.key (subjectAltName IP:127.0.0.1).
make_test_ca() {
	mkdir -p "$WORK/ca"
	(
		cd "$WORK/ca" &&
		"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout ca.key -out ca.pem -days 2 \
		    -subj "/CN=sinkhole test CA" &&
		"$OPENSSL" req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout server.key -out server.csr \
		    -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' \
		    >server.ext &&
		"$OPENSSL" x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -out server.pem -days 2 -extfile server.ext
	) >"$WORK/ca.log" 2>&1 || { fail "test CA"; cat "$WORK/ca.log"; finish; }
}

# start_nginx ROOT: nginx serving ROOT on https://127.0.0.1:NGINX_PORT/
# (NGINX_PORT picked once, kept across restarts); NGINX_PID is its master.
start_nginx() {
	[ -n "${NGINX_PORT:-}" ] ||
		pick_port NGINX_PORT $((PORT_BASE + 2000)) ||
		{ fail "no free port for nginx"; finish; }
	mkdir -p "$WORK/nginx/tmp"
	# As root, nginx's workers drop to nobody, who cannot reach a
	# checkout inside a private folder (mktemp -d makes it 0700): they
	# keep this user instead, and read what the test wrote.
	_user=
	[ "$(id -u)" -ne 0 ] || _user="user root;"
	cat >"$WORK/nginx/nginx.conf" <<NGINX_CONF
$_user
daemon off;
master_process on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx-error.log info;
events { worker_connections 64; }
http {
	access_log $WORK/nginx-access.log;
	client_body_temp_path $WORK/nginx/tmp/body;
	proxy_temp_path $WORK/nginx/tmp/proxy;
	fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
	uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
	scgi_temp_path $WORK/nginx/tmp/scgi;
	types { application/octet-stream mdb; text/plain manifest; }
	server {
		listen 127.0.0.1:$NGINX_PORT ssl;
		ssl_certificate $WORK/ca/server.pem;
		ssl_certificate_key $WORK/ca/server.key;
		root $1;
	}
}
NGINX_CONF
	start_daemon "$WORK/nginx.log" "$NGINX" -p "$WORK/nginx" \
	    -e "$WORK/nginx-error.log" -c "$WORK/nginx/nginx.conf"
	NGINX_PID=$DAEMON_PID
	wait_until 50 https_up || {
		fail "nginx did not start"
		cat "$WORK/nginx-error.log"
		finish
	}
	BUILD_URL="https://127.0.0.1:$NGINX_PORT/"
}

# https_up: nginx answers on NGINX_PORT with the test CA's certificate.
https_up() {
	"$OPENSSL" s_client -connect "127.0.0.1:$NGINX_PORT" \
	    -CAfile "$WORK/ca/ca.pem" -verify_return_error </dev/null \
	    >/dev/null 2>&1
}

# stop_nginx: stop it by PID (the master stops its worker).
stop_nginx() {
	stop_pids 100 "$NGINX_PID"
}
