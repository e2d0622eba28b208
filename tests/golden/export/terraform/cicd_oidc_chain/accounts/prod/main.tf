# Written by `iamdsl export --format terraform` from cicd_oidc_chain.iam.
# Account prod (333333333333): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["333333333333"]
}

resource "aws_iam_role" "Deployer" {
  name = "Deployer"
  path = "/deploy/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111111111111:role/ci/CiProduction"
        }
        Action = "sts:AssumeRole"
        Condition = {
          StringEquals = {
            "aws:PrincipalTag/pipeline" = "release"
          }
        }
      },
      {
        Effect = "Allow"
        Principal = {
          AWS = "arn:aws:iam::111111111111:role/ci/CiProduction"
        }
        Action = "sts:TagSession"
        Condition = {
          "ForAllValues:StringEquals" = {
            "aws:TagKeys" = ["commit", "actor"]
          }
          "ForAnyValue:StringEquals" = {
            "aws:TagKeys" = "commit"
          }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "Deployer_inline" {
  name = "inline"
  role = aws_iam_role.Deployer.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["ecs:UpdateService", "ecs:DescribeServices"]
        Resource = "arn:aws:ecs:us-east-1:333333333333:service/prod-cluster/app"
      },
      {
        Effect   = "Allow"
        Action   = ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "arn:aws:iam::333333333333:role/AppTask"
        Condition = {
          StringEquals = {
            "iam:PassedToService" = "ecs-tasks.amazonaws.com"
          }
        }
      },
    ]
  })
}

resource "aws_iam_role" "AppTask" {
  name = "AppTask"
  path = "/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Principal = {
          Service = "ecs-tasks.amazonaws.com"
        }
        Action = "sts:AssumeRole"
      },
    ]
  })
}

resource "aws_iam_role_policy" "AppTask_inline" {
  name = "inline"
  role = aws_iam_role.AppTask.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
        Resource = "arn:aws:ecr:us-east-1:111111111111:repository/acme/app"
      },
      {
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
    ]
  })
}
