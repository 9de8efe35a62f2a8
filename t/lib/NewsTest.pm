package NewsTest;

# Test harness for ngx_news_module, in the manner of nginx-tests: each test
# gets a private prefix, port and database, writes its own nginx.conf, runs
# the real nginx and talks HTTP to it over a socket.  Core Perl modules only.
#
#   my $t = NewsTest->new;
#   plan skip_all => 'module not built' unless $t->has_module;
#   $t->db_init;
#   $t->import_posts($t->post_file(title => 'Hello',
#       info_code => 'NW1234567890'));
#   $t->write_conf($t->conf_server);
#   $t->run;
#   my $r = $t->get('/html_News/NewsShare.html?infoCode=NW1234567890');
#   is($r->{status}, 302);
#   done_testing;
#
# The end state is the harness's to check, as nginx-tests' Test::Nginx does
# in DESTROY: once per instance that ran nginx (nginx -t included), when
# the instance goes away or at done_testing, whichever comes first, it
# stops nginx and asserts, as tests of their own, that no worker crashed
# ("exited on signal" in the error log, or the master killed by a signal),
# that the error log has no [alert] or [emerg] line the test did not say
# it expects ($t->expect_alerts(qr/.../), or expect_alerts => [...] to
# new), and, under make test-asan, that the sanitizer reports of this
# test's own processes hold nothing of ours (see _sanitizer_result).  The
# [emerg] lines of an nginx -t that failed are the refusal the test asked
# for and are passed over.  Lines are gathered at every stop, so that one
# instance started and stopped several times is checked once, over all of
# its runs.  A test that wants a check of its own at some step (a crash
# in one case of a loop) still has crashed(), alerts() and error_log_since.
#
# Use done_testing: the end-state checks are counted in the plan then.
# Under an explicit "plan tests => N" the checks cannot add to it: they
# say nothing when they pass and add a failing test when they do not.
#
# Set TEST_NEWS_LEAVE=1 to keep the prefix (nginx.conf, error.log, news.db)
# of each test for a look after it ran; its path is printed as a diag.
# TEST_NEWS_NGINX names another nginx binary, TEST_NEWS_TEMPLATES another
# directory of default templates.  A build elsewhere (make test-asan) is
# tested with TEST_NEWS_MODULE and TEST_NEWS_NEWSCTL, the paths of its
# module and newsctl, and TEST_NEWS_PRELOAD, the LD_PRELOAD of nginx alone
# (the sanitizer runtime that Debian's uninstrumented nginx needs to load
# an instrumented module; perl and sqlite3 run without it).

use strict;
use warnings;

use Cwd qw(abs_path);
use Errno qw(EINTR);
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Scalar::Util qw(refaddr weaken);
use Test::More;
use Test2::API qw(test2_add_callback_testing_done test2_stack);
use Time::HiRes qw(sleep time);

our $NGINX = $ENV{TEST_NEWS_NGINX} || '/usr/sbin/nginx';
our $SQLITE3 = $ENV{TEST_NEWS_SQLITE3} || 'sqlite3';
our $PRELOAD = $ENV{TEST_NEWS_PRELOAD};

# the repository root: this file is <repo>/t/lib/NewsTest.pm
my $REPO = abs_path(File::Spec->catdir(dirname(abs_path(__FILE__)),
    File::Spec->updir, File::Spec->updir));

# every instance that started an nginx, so that END can stop them all even
# when a test died half way; weak, so that DESTROY still comes first
my %RUNNING;

# every instance that ran nginx (or nginx -t) and is still to be checked:
# done_testing and END check those that are still there; weak as well
my %STARTED;

# done_testing hooked; the end-state checks of this file done, after which
# no nginx may start (its checks would come after the plan)
my ($HOOKED, $FINISHED);

my $SEQ = 0;
my $INSTANCES = 0;

# under make test-asan: where the sanitizers write their reports
# (log_path=DIR/asan makes DIR/asan.PID for each process that reports)
my @SAN_LOGS = _sanitizer_log_paths();

###############################################################################

sub new {
    my ($class, %opt) = @_;

    my $leave = $ENV{TEST_NEWS_LEAVE};
    my $prefix = tempdir('news-test-XXXXXX', TMPDIR => 1,
        CLEANUP => !$leave);
    chmod 0755, $prefix or die "chmod $prefix: $!\n";
    $prefix = abs_path($prefix);
    diag("prefix $prefix") if $leave;

    my $self = bless {
        prefix => $prefix,
        port => _free_port(),
        owner => $$,
        pid => undef,
        db => "$prefix/news.db",
        module_line => exists $opt{module} ? $opt{module} : 1,
        timeout => $opt{timeout} || 5,
        posts => 0,
        seq => ++$INSTANCES,
        name => $opt{name},
        expected => [],
        started => 0,       # ran nginx or nginx -t
        checked => 0,       # the end-state checks done
        log_pos => 0,       # error.log read up to here
        entries => [],      # its [alert], [emerg] and "exited on signal"
        spawned => [],      # the pids of "start ... process N"
        reports => [],      # [path, text] of sanitizer reports of ours
    }, $class;

    my $exp = $opt{expect_alerts};
    $self->expect_alerts(ref $exp eq 'ARRAY' ? @$exp
        : defined $exp ? $exp : ());

    mkdir "$prefix/posts" or die "mkdir: $!\n";
    mkdir "$prefix/temp" or die "mkdir: $!\n";

    return $self;
}

# a port nobody listens on now: the kernel picks one for a socket bound to
# port 0; nginx binds it a moment later
sub _free_port {
    my $s = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1',
        LocalPort => 0,
        Proto => 'tcp',
        Listen => 1,
        ReuseAddr => 1,
    ) or die "cannot bind a free port: $@\n";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub prefix { $_[0]{prefix} }
sub port { $_[0]{port} }
sub repo { $REPO }
sub module { $ENV{TEST_NEWS_MODULE} || "$REPO/objs/ngx_http_news_module.so" }
sub newsctl { $ENV{TEST_NEWS_NEWSCTL} || "$REPO/objs/newsctl" }
sub templates { "$REPO/conf/templates" }

# the schema version sql/schema.sql declares (PRAGMA user_version)
sub schema_version {
    open my $fh, '<', "$REPO/sql/schema.sql" or die "sql/schema.sql: $!\n";
    while (<$fh>) {
        return $1 if /^PRAGMA user_version = (\d+);/;
    }
    die "sql/schema.sql: no PRAGMA user_version\n";
}
sub pid { $_[0]{pid} }

sub has_module {
    my ($self) = @_;
    return -f $self->module && -x $self->newsctl;
}

# the skip test files use while the build output is missing
sub skip_unless_built {
    my ($self) = @_;
    return if $self->has_module;
    plan(skip_all => 'objs/ngx_http_news_module.so or objs/newsctl '
        . 'not built (run make)');
}

sub db {
    my ($self, $path) = @_;
    $self->{db} = $path if defined $path;
    return $self->{db};
}

# an absolute URL on this server, as a page would print it
sub url {
    my ($self, $path) = @_;
    return "http://localhost:$self->{port}$path";
}

# a pattern for an absolute URL to this server with the given path: the
# module builds absolute URLs from the request's Host, which is "localhost"
# (or "localhost:PORT" when the port is added as in nginx's own redirects)
sub url_re {
    my ($self, $path, $host) = @_;
    $host = 'localhost' unless defined $host;
    return qr{http://\Q$host\E(?::$self->{port})?\Q$path\E};
}

###############################################################################

# files

sub write_file {
    my ($self, $name, $content) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    open my $fh, '>:raw', $path or die "cannot write $path: $!\n";
    print $fh $content;
    close $fh or die "cannot write $path: $!\n";
    return $path;
}

sub read_file {
    my ($self, $name) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{prefix}/$name";
    open my $fh, '<:raw', $path or return '';
    local $/;
    my $text = <$fh>;
    close $fh;
    return defined $text ? $text : '';
}

###############################################################################

# posts in the seed's format (../shared/seeds/): Jekyll front matter, the
# HTML body, the share link line and the breadcrumb line
#
#   title       text; quoted as the quote field says (default "double")
#   quote       double: "..." with " and \ escaped; single: '...' with ''
#               for '; none: bare
#   date        "2022-03-04 20:46:41 +0800" by default
#   categories  a slug, or an arrayref: the category path from the top
#               level down, e.g. [qw(finance banking digital-banking)];
#               default xinhuawang, the seed's
#   category_name  the display name of the post's own (last) category, for
#               the breadcrumb line (an import renames the category to
#               it); default: the slug, or the seed's 新华网新闻
#   tags        a scalar or an arrayref (none by default)
#   body        HTML; default a paragraph naming the post
#   info_code   default NW + the date + a sequence number
#   list_style  flow ([a, b]) or block ("- a" lines); default flow
#   file        the file name under <prefix>/posts/, default <info_code>.md
#
# Returns the file's path.  The UTF-8 text fields are Perl byte strings, as
# written in a test file without "use utf8".

sub post_file {
    my ($self, %f) = @_;
    my ($code, $text) = $self->_post_text(%f);
    my $file = defined $f{file} ? $f{file} : "$code.md";
    return $self->write_file("posts/$file", $text);
}

# posts written and imported in one newsctl run; their info codes, in order:
#   my ($a, $b) = $t->add_posts({ title => 'A' }, { title => 'B' });
sub add_posts {
    my ($self, @posts) = @_;
    my (@codes, @files);
    for my $p (@posts) {
        my %f = %$p;
        $f{info_code} = $self->_default_code(%f)
            unless defined $f{info_code};
        push @codes, $f{info_code};
        push @files, $self->post_file(%f);
    }
    $self->import_posts(@files);
    return wantarray ? @codes : $codes[0];
}

sub _default_code {
    my ($self, %f) = @_;
    my $date = defined $f{date} ? $f{date} : '2022-03-04 20:46:41 +0800';
    (my $digits = $date) =~ s/[^0-9]//g;
    return sprintf('NW%s%06d', substr($digits, 0, 8), $self->{posts} + 1);
}

sub _post_text {
    my ($self, %f) = @_;

    my $code = defined $f{info_code} ? $f{info_code}
        : $self->_default_code(%f);
    my $n = ++$self->{posts};
    my $date = defined $f{date} ? $f{date} : '2022-03-04 20:46:41 +0800';
    my $title = defined $f{title} ? $f{title} : "Test post $n";
    my $cats = defined $f{categories} ? $f{categories} : 'xinhuawang';
    my @cats = ref $cats ? @$cats : ($cats);
    my $name = defined $f{category_name} ? $f{category_name}
        : defined $f{categories} ? $cats[-1] : '新华网新闻';
    my $body = defined $f{body} ? $f{body} : "<p>Body of post $n.</p>";
    my $quote = $f{quote} || 'double';
    my $style = $f{list_style} || 'flow';

    my $qtitle;
    if ($quote eq 'double') {
        ($qtitle = $title) =~ s/(["\\])/\\$1/g;
        $qtitle = "\"$qtitle\"";
    } elsif ($quote eq 'single') {
        ($qtitle = $title) =~ s/'/''/g;
        $qtitle = "'$qtitle'";
    } elsif ($quote eq 'none') {
        $qtitle = $title;
    } else {
        die "post_file: unknown quote style $quote\n";
    }

    my $fm = "---\n"
        . "layout: post\n"
        . "title: $qtitle\n"
        . "date: $date\n"
        . _yaml_list('categories', $cats, $style);
    $fm .= _yaml_list('tags', $f{tags}, $style) if defined $f{tags};
    $fm .= "$_: $f{$_}\n" for grep { defined $f{$_} } qw(image author);
    $fm .= "---\n";

    my $text = $fm . $body . "\n\n"
        . "<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=$code>"
        . "\n\n"
        . "[返回$name](//finews.withounder.com/category/$cats[-1].html)"
        . "｜[返回首页](//finews.withounder.com/)\n";

    return ($code, $text);
}

sub _yaml_list {
    my ($key, $v, $style) = @_;

    return "$key: $v\n" unless ref $v;
    return "$key: [" . join(', ', @$v) . "]\n" if $style eq 'flow';
    return "$key:\n" . join('', map { "  - $_\n" } @$v);
}

###############################################################################

# commands: (exit code, stdout, stderr) of a program run without a shell

sub run_cmd {
    my ($self, $stdin, @argv) = @_;

    my $id = ++$SEQ;
    my ($in, $out, $err) = map { "$self->{prefix}/temp/cmd$id.$_" }
        qw(in out err);
    $self->write_file($in, defined $stdin ? $stdin : '');

    # nginx (nginx -t) writes to this test's error log: a run of nginx
    # for the end-state checks; it and newsctl may report to the sanitizers
    my $nginx = $argv[0] eq $NGINX;
    my $ours = $nginx || $argv[0] eq $self->newsctl;
    my $since = time;
    my $mark;
    if ($nginx) {
        $self->_started;
        $self->_collect_log;
        $mark = @{ $self->{entries} };
    }

    my $pid = fork;
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', $in or POSIX::_exit(126);
        open STDOUT, '>', $out or POSIX::_exit(126);
        open STDERR, '>', $err or POSIX::_exit(126);
        _preload() if $nginx;
        { no warnings q(exec); exec { $argv[0] } @argv; }
        print STDERR "cannot run $argv[0]: $!\n";
        POSIX::_exit(127);
    }
    waitpid($pid, 0);
    my $sig = $? & 127;
    my $rc = $sig ? 128 + $sig : $? >> 8;

    if ($nginx) {
        $self->_collect_log;
        my $e = $self->{entries};
        # an nginx -t that failed: its [emerg] lines are the refusal that
        # the test asked for, and checks itself; a crash is not a refusal
        if ($rc) {
            $_->{refused} = 1
                for grep { $_->{pid} == $pid } @$e[$mark .. $#$e];
        }
        push @$e, { level => 'alert', pid => $pid,
            text => "$argv[0] @argv[1 .. $#argv] ($pid) exited on signal "
                . "$sig (its exit status, seen by the harness)" } if $sig;
    }
    $self->_scan_sanitizer($since, $pid) if $ours;

    my @res = ($rc, $self->read_file($out), $self->read_file($err));
    unlink $in, $out, $err;
    return @res;
}

sub db_init {
    my ($self) = @_;
    my ($rc, $out, $err) = $self->run_cmd(undef, $self->newsctl, 'init',
        '--db', $self->{db});
    die "newsctl init --db $self->{db} failed ($rc): $err$out" if $rc;
    return $self;
}

# newsctl import of post files into the test's database
sub import_posts {
    my ($self, @files) = @_;

    my ($rc, $out, $err) = $self->run_cmd(undef, $self->newsctl, 'import',
        '--db', $self->{db}, @files);
    die "newsctl import failed ($rc): $err$out" if $rc;
    return $self;
}

# sql statements through the sqlite3 shell; dies on the first error
sub sql {
    my ($self, $sql) = @_;
    # a worker opening the file holds a lock for a moment: wait for it
    my ($rc, $out, $err) = $self->run_cmd($sql, $SQLITE3, '-bail',
        '-cmd', '.timeout 5000',
        $self->{db});
    die "sqlite3 failed ($rc): $err\nSQL: $sql\n" if $rc || $err =~ /\S/;
    return $out;
}

# one value from the database, without the trailing newline
sub sql_value {
    my ($self, $sql) = @_;
    my $v = $self->sql($sql);
    $v =~ s/\n\z//;
    return $v;
}

###############################################################################

# configuration

# the http block body is the test's; the rest keeps nginx inside the prefix
sub write_conf {
    my ($self, $http) = @_;

    my $p = $self->{prefix};
    my $load = $self->{module_line} ? 'load_module ' . $self->module . ";\n"
        : '';
    my $user = $> == 0 ? "user root;\n" : '';

    my $conf = <<"EOF";
${load}
daemon off;
master_process on;
worker_processes 1;
${user}
error_log $p/error.log info;
pid $p/nginx.pid;

events {
    worker_connections 64;
}

http {
    access_log off;

    client_body_temp_path $p/temp/client_body;
    proxy_temp_path $p/temp/proxy;
    fastcgi_temp_path $p/temp/fastcgi;
    uwsgi_temp_path $p/temp/uwsgi;
    scgi_temp_path $p/temp/scgi;

$http
}
EOF

    $self->write_file('nginx.conf', $self->expand($conf));
    return $self;
}

# nginx.conf as written, with $n workers; reuseport => 1 gives each
# worker a listening socket of its own, so that the kernel spreads new
# connections over them
sub set_workers {
    my ($self, $n, %o) = @_;

    my $conf = $self->read_file('nginx.conf');
    $conf =~ s/^worker_processes 1;$/worker_processes $n;/m
        or die "no worker_processes line in nginx.conf\n";
    if ($o{reuseport}) {
        $conf =~ s/(listen 127\.0\.0\.1:\d+)/$1 reuseport/g
            or die "no listen line in nginx.conf\n";
    }
    $self->write_file('nginx.conf', $conf);
    return $self;
}

# how many workers started, once $n did or a few seconds went by
sub wait_workers {
    my ($self, $n) = @_;

    my $count = sub {
        return scalar(() = $self->error_log =~ /start worker process \d+/g);
    };
    my $deadline = time + 5;
    sleep 0.05 while time < $deadline && $count->() < $n;
    return $count->();
}

sub expand {
    my ($self, $text) = @_;
    my %v = (
        PORT => $self->{port},
        PREFIX => $self->{prefix},
        DB => $self->{db},
        REPO => $REPO,
    );
    $text =~ s/%%(PORT|PREFIX|DB|REPO)%%/$v{$1}/g;
    return $text;
}

# a typical server block: the news_db, the four templates and the standard
# locations.  $extra goes at the end of the server block (directives or
# more locations).  Options:
#   db          the news_db path (default %%DB%%); undef leaves it out
#   template    { article => PATH, ... } overrides of the default templates
#   server      directives at the start of the server block
#   share, article, category, tag, index
#               directives inside that standard location
#   http        directives before the server block
sub conf_server {
    my ($self, $extra, %o) = @_;

    $extra = '' unless defined $extra;
    my $db = exists $o{db} ? $o{db} : '%%DB%%';
    my $dir = $ENV{TEST_NEWS_TEMPLATES} || '%%REPO%%/conf/templates';
    my %tpl = map { $_ => "$dir/$_.html" }
        qw(article category index error stats tag);
    %tpl = (%tpl, %{ $o{template} || {} });
    my %in = map { $_ => defined $o{$_} ? $o{$_} : '' }
        qw(server share article category index tag http);

    my $conf = $in{http} . "\n"
        . "    server {\n"
        . "        listen 127.0.0.1:%%PORT%%;\n"
        . "        server_name localhost;\n\n"
        . (defined $db ? "        news_db $db;\n" : '')
        . join('', map { "        news_template $_ $tpl{$_};\n" }
            qw(article category index error stats tag))
        . "\n        $in{server}\n\n"
        . "        location = /html_News/NewsShare.html {\n"
        . "            news_share;\n            $in{share}\n        }\n"
        . "        location /category/ {\n"
        . "            news_category;\n            $in{category}\n        }\n"
        . "        location /tag/ {\n"
        . "            news_tag;\n            $in{tag}\n        }\n"
        . "        location = / {\n"
        . "            news_index;\n            $in{index}\n        }\n"
        . "        location / {\n"
        . "            news_article;\n            $in{article}\n        }\n"
        . "\n$extra\n"
        . "    }\n";

    return $conf;
}

###############################################################################

# nginx

sub _nginx_argv {
    my ($self, @more) = @_;
    my $p = $self->{prefix};
    return ($NGINX, '-p', "$p/", '-c', "$p/nginx.conf", '-e',
        "$p/error.log", @more);
}

# in a child about to exec nginx
sub _preload {
    $ENV{LD_PRELOAD} = $PRELOAD if defined $PRELOAD && $PRELOAD ne '';
}

# nginx -t: (exit code, output)
sub test_conf {
    my ($self) = @_;
    my ($rc, $out, $err) = $self->run_cmd(undef, $self->_nginx_argv('-t'));
    return ($rc, $err . $out);
}

sub run {
    my ($self) = @_;

    die "nginx already running\n" if $self->{pid};

    $self->_started;
    $self->_collect_log;
    $self->{run_spawned} = @{ $self->{spawned} };
    $self->{run_time} = time;

    my $p = $self->{prefix};
    my $pid = fork;
    die "fork: $!\n" unless defined $pid;

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$p/stderr.log";
        open STDERR, '>>', "$p/stderr.log";
        _preload();
        { no warnings q(exec); exec { $NGINX } $self->_nginx_argv; }
        print STDERR "cannot run $NGINX: $!\n";
        POSIX::_exit(127);
    }

    $self->{pid} = $pid;
    $RUNNING{$pid} = $self;
    _catch_signals();
    weaken($RUNNING{$pid});

    my $deadline = time + $self->{timeout};
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            my $status = $?;
            delete $RUNNING{$pid};
            $self->{pid} = undef;
            $self->_reaped($pid, $status);
            die "nginx exited ($status) at start:\n" . $self->error_log
                . $self->read_file('stderr.log');
        }
        my $s = IO::Socket::INET->new(
            PeerAddr => '127.0.0.1',
            PeerPort => $self->{port},
            Proto => 'tcp',
            Timeout => 1,
        );
        if ($s) {
            close $s;
            return $self;
        }
        sleep 0.02;
    }

    $self->stop;
    die "nginx did not listen on port $self->{port} in $self->{timeout}s:\n"
        . $self->error_log;
}

# a test stopped by ^C or kill still runs END, which stops its nginx
sub _catch_signals {
    # a closed pipe (prove | head, a socket nginx closed) is an error to
    # handle, not a death that skips stopping nginx
    $SIG{PIPE} = 'IGNORE'
        unless defined $SIG{PIPE} && $SIG{PIPE} ne 'DEFAULT';

    for my $sig (qw(INT TERM HUP)) {
        next if defined $SIG{$sig} && $SIG{$sig} ne 'DEFAULT';
        $SIG{$sig} = sub {
            print STDERR "# caught SIG$sig, stopping nginx\n";
            exit 1;
        };
    }
}

# HUP, then wait for the new worker; false when the new configuration was
# refused (the old workers go on)
sub reload {
    my ($self) = @_;

    die "nginx not running\n" unless $self->{pid};

    my $mark = length $self->error_log;
    kill 'HUP', $self->{pid} or die "kill HUP $self->{pid}: $!\n";

    # done when as many old workers stopped accepting ("gracefully
    # shutting down": their listening sockets are closed) as new ones
    # started, so that no request reaches the old configuration

    my $deadline = time + $self->{timeout};
    while (time < $deadline) {
        my $new = substr($self->error_log, $mark);
        return 0 if $new =~ /\[emerg\]/;

        my $started = () = $new =~ /start worker process \d+/g;
        my $stopping = () = $new =~ /gracefully shutting down/g;

        if ($started && $stopping >= $started) {
            sleep 0.05;
            return 1;
        }
        sleep 0.02;
    }
    return 0;
}

sub stop {
    my ($self) = @_;

    my $pid = $self->{pid};
    return $self unless $pid;
    return $self unless $self->{owner} == $$;

    kill 'QUIT', $pid;

    my $deadline = time + $self->{timeout};
    my ($gone, $status) = (0, undef);
    while (time < $deadline) {
        my $w = waitpid($pid, WNOHANG);
        if ($w == $pid || $w == -1) {
            $status = $? if $w == $pid;
            $gone = 1;
            last;
        }
        sleep 0.02;
    }

    unless ($gone) {
        diag("nginx $pid did not quit in $self->{timeout}s, killing it");
        kill 'KILL', $pid;
        waitpid($pid, 0);
        # workers of a killed master exit when they notice it is gone;
        # do not leave them holding the port
        $self->_kill_orphans;
    }

    delete $RUNNING{$pid};
    $self->{pid} = undef;
    $self->_reaped($pid, $status);
    return $self;
}

# workers whose master was killed: their pids are in the error log ("start
# worker process N"); each still alive as an nginx worker is killed by pid
sub _kill_orphans {
    my ($self) = @_;
    for my $pid ($self->error_log =~ /start worker process (\d+)/g) {
        open my $fh, '<', "/proc/$pid/cmdline" or next;
        my $cmd = <$fh>;
        close $fh;
        kill 'KILL', $pid if defined $cmd && $cmd =~ /^nginx: worker/;
    }
}

# the end-state checks of an instance gone before done_testing are made
# here; in global destruction (after done_testing and END, which checked
# every instance still there) only nginx is left to stop
sub DESTROY {
    my ($self) = @_;
    local ($?, $@, $!);
    return unless $self->{owner} == $$;
    $self->end_checks unless ${^GLOBAL_PHASE} eq 'DESTRUCT';
    $self->stop if $self->{pid};
    delete $STARTED{refaddr $self};
}

# a test that died half way, or called exit: the instances still there are
# stopped and checked, then any nginx left is stopped
END {
    local $?;
    _end_all();
    for my $t (values %RUNNING) {
        $t->stop if $t && $t->{owner} == $$;
    }
}

sub error_log {
    my ($self) = @_;
    return $self->read_file('error.log');
}

# the error log from a mark on: my $m = $t->log_mark; ...;
# $t->error_log_since($m)
sub log_mark {
    my ($self) = @_;
    return length $self->error_log;
}

sub error_log_since {
    my ($self, $mark) = @_;
    my $log = $self->error_log;
    return length $log > $mark ? substr($log, $mark) : '';
}

# the worker processes died of a signal (a crash) since start
sub crashed {
    my ($self) = @_;
    return $self->error_log =~ /exited on signal/;
}

# the error log's [alert] lines: nginx's own complaints about a module
# misbehaving ("header already sent" and the like); '' when none
sub alerts {
    my ($self) = @_;
    return join '', grep { /\[alert\]/ }
        split /^/m, $self->error_log;
}

###############################################################################

# the end state, checked by the harness (see the top of this file)

# [alert] and [emerg] lines, "exited on signal" ones included, that the test
# provokes on purpose: patterns, or strings matched anywhere in the line;
# the end-state checks pass them over (they need not appear: a test that
# wants one to appear says so with a test of its own)
sub expect_alerts {
    my ($self, @what) = @_;
    push @{ $self->{expected} }, map { ref $_ ? $_ : qr/\Q$_\E/ } @what;
    return $self;
}

# nginx is about to run for this instance: it has an end state to check
sub _started {
    my ($self) = @_;
    die "nginx run after the end-state checks of $self->{prefix}: "
        . "their tests would not be counted\n"
        if $self->{checked} || $FINISHED;
    return if $self->{started}++;
    unless ($HOOKED++) {
        # before done_testing prints the plan; at END for a test that died
        test2_add_callback_testing_done(sub { _end_all() });
    }
    my $k = refaddr $self;
    $STARTED{$k} = $self;
    weaken($STARTED{$k});
}

sub _end_all {
    my @left = sort { $a->{seq} <=> $b->{seq} }
        grep { defined && $_->{owner} == $$ } values %STARTED;
    $_->end_checks for @left;
    $FINISHED = 1;
}

# the error log from where it was last read up to its last complete line:
# the entries (a line with nginx's time stamp, and any lines after it
# without one) the checks look at, and the pids of the processes the
# master started; a log shorter than before was replaced, and is read again
# from its start
sub _collect_log {
    my ($self) = @_;

    open my $fh, '<:raw', "$self->{prefix}/error.log" or return;
    $self->{log_pos} = 0 if (-s $fh || 0) < $self->{log_pos};
    seek $fh, $self->{log_pos}, 0;
    my $text = do { local $/; <$fh> };
    close $fh;
    return unless defined $text;

    my $end = rindex($text, "\n");
    return if $end < 0;
    $text = substr($text, 0, $end + 1);
    $self->{log_pos} += length $text;

    my $e;
    for my $line (split /^/m, $text) {
        if ($line =~ m{^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] (\d+)#}) {
            $self->_entry($e) if $e;
            $e = { level => $1, pid => $2, text => $line };
        } elsif ($e) {
            $e->{text} .= $line;
        } else {
            $e = { level => '', pid => 0, text => $line };
        }
    }
    $self->_entry($e) if $e;
}

sub _entry {
    my ($self, $e) = @_;
    $e->{text} =~ s/\n+\z//;
    if ($e->{text} =~ /\d#\d+: start [a-z ]*process (\d+)$/) {
        push @{ $self->{spawned} }, $1;
        return;
    }
    return unless $e->{level} eq 'alert' || $e->{level} eq 'emerg'
        || $e->{text} =~ /exited on signal/;
    push @{ $self->{entries} }, $e;
}

# the master of a run is gone ($status undef: not known): its error log
# read, a death by a signal (which no log line says) noted as a crash, and
# the sanitizer reports of the run's processes kept
sub _reaped {
    my ($self, $pid, $status) = @_;

    $self->_collect_log;

    if (defined $status && ($status & 127)) {
        push @{ $self->{entries} }, { level => 'alert', pid => $pid,
            text => "nginx master process $pid exited on signal "
                . ($status & 127) . ' (its exit status, seen by the harness)' };
    }

    my $sp = $self->{spawned};
    $self->_scan_sanitizer($self->{run_time}, $pid,
        @$sp[($self->{run_spawned} || 0) .. $#$sp]);
}

# log_path=PREFIX of the sanitizers, when nginx runs with their runtime
sub _sanitizer_log_paths {
    return () unless defined $PRELOAD && $PRELOAD ne '';
    my %path;
    for my $opts (grep { defined } @ENV{qw(ASAN_OPTIONS UBSAN_OPTIONS)}) {
        for my $kv (split /[:,\s]+/, $opts) {
            $path{$1} = 1 if $kv =~ m{^log_path=(/.+)$};
        }
    }
    return sort keys %path;
}

# the reports (PREFIX.PID) of processes of this test that have exited:
# each read now, as a later process given the same pid would write over
# it; one older than the process is of an earlier owner of the pid
sub _scan_sanitizer {
    my ($self, $since, @pids) = @_;
    return unless @SAN_LOGS && defined $since;
    for my $pid (@pids) {
        for my $prefix (@SAN_LOGS) {
            my $f = "$prefix.$pid";
            my @st = Time::HiRes::stat($f) or next;
            # file times come from a coarse clock: a few ms of slack
            next if $st[9] < $since - 0.05;
            open my $fh, '<:raw', $f or next;
            my $text = do { local $/; <$fh> };
            close $fh;
            push @{ $self->{reports} }, [$f, $text] if defined $text;
        }
    }
}

# the sanitizer reports of this test's processes judged as make test-asan
# judges them all, by mk/hardening/asan-report.pl: [pass, name, what it
# said]
sub _sanitizer_result {
    my ($self, $label) = @_;

    my $name = "${label}no sanitizer report of ours from this test's "
        . 'processes';
    my @reports = @{ $self->{reports} };
    return [1, $name] unless @reports;

    my $script = "$REPO/mk/hardening/asan-report.pl";
    return [1, "$name (no $script to judge "
        . scalar(@reports) . ' report(s))'] unless -f $script;

    my $dir = tempdir('news-san-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $n = 0;
    for my $r (@reports) {
        my ($base) = $r->[0] =~ m{([^/]+)$};
        $self->write_file("$dir/" . ++$n . ".$base", $r->[1]);
    }
    my ($rc, $out, $err) = $self->run_cmd(undef, $^X, $script, $REPO, $dir);
    return [!$rc, $name, "mk/hardening/asan-report.pl says:",
        split(/\n/, $err . $out)];
}

# how the results can be told now: "tests" of their own, counted in the
# plan done_testing prints; "fixed", under a plan given beforehand, which
# they cannot add to: a failure only, as a failing test; "none" after
# skip_all or BAIL_OUT, or once the plan is out
sub _report_mode {
    my $hub = test2_stack()->top;
    return 'none' if $hub->bailed_out || defined $hub->skip_reason
        || $hub->ended;
    my $plan = $hub->plan;
    return 'none' if defined $plan && $plan eq 'SKIP';
    return 'fixed' if defined $plan && $plan ne 'NO PLAN';
    return 'tests';
}

# the end-state checks of this instance, once: nginx stopped, no worker
# crashed, no [alert] or [emerg] line that was not expected, and under
# the sanitizers no report of ours; DESTROY, done_testing and END call it
sub end_checks {
    my ($self) = @_;

    return $self if $self->{checked} || $self->{owner} != $$;
    $self->stop;
    return $self unless $self->{started};
    $self->{checked} = 1;
    $self->_collect_log;

    my $mode = _report_mode();
    return $self if $mode eq 'none';

    my (@crashes, @alerts);
    for my $e (@{ $self->{entries} }) {
        next if grep { $e->{text} =~ $_ } @{ $self->{expected} };
        if ($e->{text} =~ /exited on signal/) {
            push @crashes, $e->{text};
        } elsif (!($e->{refused} && $e->{level} eq 'emerg')) {
            push @alerts, $e->{text};
        }
    }

    my $label = defined $self->{name} ? "$self->{name}: " : '';
    my $where = "in $self->{prefix}/error.log:";
    my @results = (
        [!@crashes, "${label}no worker crashed", $where, @crashes],
        [!@alerts, "${label}no [alert] or [emerg] in the error log",
            $where, @alerts],
    );
    push @results, $self->_sanitizer_result($label) if @SAN_LOGS;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    for my $r (@results) {
        my ($pass, $name, @lines) = @$r;
        if ($mode eq 'fixed' && $pass) {
            note("$name (end state of $self->{prefix}, not counted)");
            next;
        }
        @lines = (@lines[0 .. 30], '...') if @lines > 32;
        ok($pass, "$name (end state)") or diag(join "\n", @lines);
    }
    return $self;
}

###############################################################################

# HTTP/1.1 with Connection: close, so that nginx's gzip (HTTP/1.1 and up by
# default) applies and the response ends with the connection

sub get {
    my ($self, $uri, %h) = @_;
    return $self->request('GET', $uri, %h);
}

sub head {
    my ($self, $uri, %h) = @_;
    return $self->request('HEAD', $uri, %h);
}

# headers as name => value; Host is "localhost" unless given; a "-body"
# pseudo header is the request body
sub request {
    my ($self, $method, $uri, %h) = @_;

    my $body = delete $h{-body};
    my $port = delete $h{-port};
    my %lc = map { lc($_) => $_ } keys %h;
    $h{Host} = 'localhost' unless exists $lc{host};
    $h{Connection} = 'close' unless exists $lc{connection};
    $h{'Content-Length'} = length $body
        if defined $body && !exists $lc{'content-length'};

    my $req = "$method $uri HTTP/1.1\r\n"
        . join('', map { "$_: $h{$_}\r\n" } sort keys %h)
        . "\r\n" . (defined $body ? $body : '');

    return $self->raw($req, head => $method eq 'HEAD', port => $port);
}

# a GET to another port of this nginx (a second server, a proxy in front)
sub get_at {
    my ($self, $port, $uri, %h) = @_;
    return $self->request('GET', $uri, -port => $port, %h);
}

# bytes as they are; the response parsed
sub raw {
    my ($self, $bytes, %o) = @_;

    my $data = '';
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        local $SIG{PIPE} = 'IGNORE';
        alarm $self->{timeout};

        my $port = $o{port} // $self->{port};
        my $s = IO::Socket::INET->new(
            PeerAddr => '127.0.0.1',
            PeerPort => $port,
            Proto => 'tcp',
        ) or die "connect to 127.0.0.1:$port: $@\n";
        binmode $s;
        $s->autoflush(1);
        print $s $bytes;

        while (1) {
            my $n = sysread($s, $data, 65536, length $data);
            next if !defined $n && $! == EINTR;
            last unless $n;
        }
        close $s;
        alarm 0;
    };
    alarm 0;
    if ($@) {
        return { status => 0, headers => {}, body => '', raw => $data,
            error => $@ };
    }

    return parse_response($data, %o);
}

sub parse_response {
    my ($data, %o) = @_;

    my $r = { status => 0, headers => {}, header_list => [], body => '',
        raw => $data };

    my $end = index($data, "\r\n\r\n");
    return $r if $end < 0;

    my @lines = split /\r\n/, substr($data, 0, $end);
    my $body = substr($data, $end + 4);

    my $status = shift @lines;
    ($r->{status}, $r->{reason}) = $status =~ m{^HTTP/\d\.\d (\d{3}) ?(.*)};
    $r->{status} ||= 0;

    for my $line (@lines) {
        my ($name, $value) = $line =~ /^([^:]+):\s*(.*?)\s*$/ or next;
        $name = lc $name;
        push @{ $r->{header_list} }, [$name, $value];
        $r->{headers}{$name} = exists $r->{headers}{$name}
            ? "$r->{headers}{$name}, $value" : $value;
    }

    if (!$o{head} && ($r->{headers}{'transfer-encoding'} || '') =~ /chunked/i)
    {
        $body = _dechunk($body);
        $r->{chunked} = 1;
    }

    $r->{body} = $body;
    return $r;
}

sub _dechunk {
    my ($in) = @_;
    my $out = '';
    while ($in =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
        my $size = hex $1;
        last if $size == 0;
        $out .= substr($in, 0, $size);
        substr($in, 0, $size + 2) = '';
    }
    return $out;
}

###############################################################################

# helpers for assertions

sub gunzip {
    my ($data) = @_;
    require IO::Uncompress::Gunzip;
    my $out;
    IO::Uncompress::Gunzip::gunzip(\$data => \$out)
        or die "gunzip: " . do {
            no warnings q(once);
            $IO::Uncompress::Gunzip::GunzipError;
        } . "\n";
    return $out;
}

# the JSON in each <script type="application/ld+json">, raw and parsed:
# ([$text, $data], ...); $data is undef (and $@ says why) when it does not
# parse
sub jsonld {
    my ($html) = @_;
    my @out;
    my $re = qr{<script[^>]*type="application/ld\+json"[^>]*>(.*?)</script>}s;
    while ($html =~ /$re/g) {
        my $text = $1;
        my $data = eval { JSON::PP->new->utf8->decode($text) };
        push @out, [$text, $data];
    }
    return @out;
}

# the breadcrumb <nav> of a page, or undef
sub breadcrumb {
    my ($html) = @_;
    my ($nav) = $html
        =~ m{(<nav\b[^>]*\bclass="[^"]*breadcrumb[^"]*"[^>]*>.*?</nav>)}s;
    return $nav;
}

# a pattern for <a href="PATH">TEXT</a>, PATH on this server, relative or
# absolute
sub link_re {
    my ($self, $path, $text) = @_;
    my $here = qr{(?:http://localhost(?::$self->{port})?)?};
    return qr{<a\b[^>]*\bhref="$here\Q$path\E"[^>]*>\s*\Q$text\E\s*</a>};
}

# href values of the <a> links in some HTML, in order
sub links {
    my ($html) = @_;
    return $html =~ /<a\b[^>]*?\bhref="([^"]*)"/g;
}

# the value of an attribute of the first tag matching a pattern, e.g.
# attr($html, qr/<link[^>]*rel="canonical"[^>]*>/, 'href')
sub attr {
    my ($html, $tag_re, $name) = @_;
    my ($tag) = $html =~ /($tag_re)/ or return undef;
    my ($v) = $tag =~ /\b\Q$name\E="([^"]*)"/ or return undef;
    return $v;
}

# the content of <meta property="NAME" content="...">
sub meta {
    my ($html, $prop) = @_;
    for my $tag ($html =~ /(<meta\b[^>]*>)/g) {
        next unless $tag =~ /\b(?:property|name)="\Q$prop\E"/;
        my ($v) = $tag =~ /\bcontent="([^"]*)"/;
        return $v;
    }
    return undef;
}

# the href of a <link rel="REL" ...>
sub link_rel {
    my ($html, $rel) = @_;
    for my $tag ($html =~ /(<link\b[^>]*>)/g) {
        next unless $tag =~ /\brel="\Q$rel\E"/;
        my ($v) = $tag =~ /\bhref="([^"]*)"/;
        return $v;
    }
    # a rel on an <a> counts as well (pagers)
    for my $tag ($html =~ /(<a\b[^>]*>)/g) {
        next unless $tag =~ /\brel="\Q$rel\E"/;
        my ($v) = $tag =~ /\bhref="([^"]*)"/;
        return $v;
    }
    return undef;
}

# entities back to characters, for comparing attribute values
sub unescape_html {
    my ($s) = @_;
    return undef unless defined $s;
    $s =~ s/&lt;/</g;
    $s =~ s/&gt;/>/g;
    $s =~ s/&quot;/"/g;
    $s =~ s/&#0*39;/'/g;
    $s =~ s/&#x0*27;/'/gi;
    $s =~ s/&amp;/&/g;
    return $s;
}

# the path of a link that stays on this server: "/x" as it is, or
# "http://localhost[:PORT]/x" without its scheme and host; undef for any
# other host or for a protocol-relative "//host/x"
sub local_path {
    my ($self, $href) = @_;
    return undef unless defined $href;
    $href = unescape_html($href);
    return $href if $href =~ m{^/(?!/)};
    return $1 if $href =~ m{^http://localhost(?::$self->{port})?(/(?!/).*)$}s;
    return '/' if $href =~ m{^http://localhost(?::$self->{port})?$};
    return undef;
}

# bytes of UTF-8 text as characters, to compare with decoded JSON
sub chars {
    my ($s) = @_;
    utf8::decode($s);
    return $s;
}

# a value of the database exactly, through hex() so that no newline of
# the sqlite3 shell is added or lost
sub sql_bytes {
    my ($self, $sql) = @_;
    my $hex = $self->sql_value("SELECT hex(($sql));");
    return pack('H*', $hex);
}

# the article path the module should serve a post at, from the database:
# /<slug>/<yyyy>/<mm>/<dd>/<code>.html, the date as stored (its own offset)
sub article_path {
    my ($self, $code) = @_;
    my $row = $self->sql_value("SELECT c.slug || ' ' || "
        . "replace(substr(p.published_at, 1, 10), '-', '/') "
        . "FROM posts p JOIN categories c ON c.id = p.category_id "
        . "WHERE p.info_code = '$code';");
    my ($slug, $date) = split / /, $row;
    die "no post $code\n" unless $date;
    return "/$slug/$date/$code.html";
}

# the text of an HTML fragment without tags, whitespace squeezed
sub text_of {
    my ($html) = @_;
    $html =~ s/<script\b.*?<\/script>//gs;
    $html =~ s/<[^>]*>//g;
    $html =~ s/\s+/ /g;
    return $html;
}

###############################################################################

# HTML5 validity: t/lib/html5check.py parses a page with html5lib (the
# WHATWG parsing algorithm, python3-html5lib) and lists every parse error

our $PYTHON = $ENV{TEST_NEWS_PYTHON} || '/usr/bin/python3';

# why html5lib cannot be used here, or undef when it can
sub html5_why_not {
    my ($self) = @_;
    my ($rc, $out, $err) = $self->run_cmd(undef, $PYTHON, '-c',
        'import html5lib');
    return undef unless $rc;
    return "html5lib not importable by $PYTHON (make deps installs "
        . "python3-html5lib): $err";
}

# the parse errors of a document, "LINE:COL: code details" each; none for
# a valid one; dies when the checker itself cannot run
sub html_errors {
    my ($self, $html) = @_;
    my ($rc, $out, $err) = $self->run_cmd($html, $PYTHON,
        "$REPO/t/lib/html5check.py");
    die "html5check.py failed ($rc): $err" if $rc > 1 || $err =~ /\S/;
    my @errors = split /\n/, $out;
    die "html5check.py exited 1 without naming an error\n"
        if $rc && !@errors;
    return @errors;
}

# a test: the document parses as HTML5 with no error; on failure each
# error is shown with the line of the document it is on
sub valid_html {
    my ($self, $html, $name) = @_;
    my @errors = $self->html_errors($html);
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return 1 if ok(!@errors, $name);
    my @lines = split /\n/, $html, -1;
    my @out;
    for my $e (@errors) {
        push @out, $e;
        my ($n) = $e =~ /^(\d+):/;
        push @out, "    | " . substr($lines[$n - 1], 0, 200)
            if defined $n && $n >= 1 && $n <= @lines;
    }
    diag(join "\n", @out);
    return 0;
}

1;
